using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Fulfillment.Providers.Transport;

/// <summary>
/// The provider clients' instruments, on the <see cref="Meter"/> named <c>Fulfillment.Providers</c>:
/// <c>fulfillment.provider.call.duration</c>, the elapsed time of every call <see cref="ProviderTransport"/> makes.
/// </summary>
public sealed class ProviderMetrics
{
    public const string MeterName = "Fulfillment.Providers";

    private readonly Histogram<double> _callDuration;

    public ProviderMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _callDuration = meterFactory.Create(MeterName).CreateHistogram<double>("fulfillment.provider.call.duration", "s",
            "Provider calls, retries included, by provider, action and outcome (answered, http_error, not_sent, lost, redirected).");
    }

    public void CallEnded(ProviderEndpoint provider, string action, ExchangeResult result)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(result);
        var outcome = result switch
        {
            ExchangeResult.Answered { StatusCode: >= 200 and < 300 } => "answered",
            ExchangeResult.Answered => "http_error",
            ExchangeResult.NotSent => "not_sent",
            ExchangeResult.Lost => "lost",
            ExchangeResult.Redirected => "redirected",
            _ => throw new UnreachableException(),
        };
        _callDuration.Record(result.Elapsed.TotalSeconds,
            new("provider", provider.Name), new("action", action), new("outcome", outcome));
    }
}
