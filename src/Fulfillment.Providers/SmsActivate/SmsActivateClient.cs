using System.Globalization;
using Fulfillment.Providers.Smm;
using Fulfillment.Providers.SmsActivate.Answers;
using Fulfillment.Providers.Transport;
using Microsoft.Extensions.Logging;

namespace Fulfillment.Providers.SmsActivate;

/// <inheritdoc cref="ISmsActivateClient"/>
public sealed class SmsActivateClient(ProviderTransport transport, ILogger<SmsActivateClient> logger) : ISmsActivateClient
{
    public async Task<NumberOutcome> GetNumberAsync(ProviderEndpoint provider, string serviceCode, string country, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceCode);
        ArgumentException.ThrowIfNullOrWhiteSpace(country);
        var result = await SendAsync(provider, SmsActions.GetNumber, [new("service", serviceCode.Trim()), new("country", country.Trim())], repeatable: false, cancellationToken);
        var outcome = NumberAnswer.Read(result);
        logger.LogDebug(
            "Provider {Provider} getNumber for service {Service} country {Country}: {Outcome} in {ElapsedMs} ms",
            provider.Name, serviceCode, country, Describe(outcome), (long)result.Elapsed.TotalMilliseconds);
        return outcome;
    }

    public async Task<ActivationStatus> GetStatusAsync(ProviderEndpoint provider, string activationId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(activationId);
        var result = await SendAsync(provider, SmsActions.GetStatus, [new("id", activationId.Trim())], repeatable: true, cancellationToken);
        var status = SafeSmsAnswer.ReadStatus(result, provider);
        logger.LogDebug("Provider {Provider} activation {ActivationId}: {State}", provider.Name, activationId, status.State);
        return status;
    }

    public async Task<SetStatusOutcome> SetStatusAsync(ProviderEndpoint provider, string activationId, int status, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(activationId);
        var result = await SendAsync(
            provider,
            SmsActions.SetStatus,
            [new("id", activationId.Trim()), new("status", status.ToString(CultureInfo.InvariantCulture))],
            repeatable: false,
            cancellationToken);
        var outcome = SetStatusAnswer.Read(result);
        logger.LogDebug(
            "Provider {Provider} setStatus {Status} on activation {ActivationId}: {Outcome} in {ElapsedMs} ms",
            provider.Name, status, activationId, outcome, (long)result.Elapsed.TotalMilliseconds);
        return outcome;
    }

    public async Task<BalanceResult> GetBalanceAsync(ProviderEndpoint provider, CancellationToken cancellationToken)
    {
        var result = await SendAsync(provider, SmsActions.GetBalance, [], repeatable: true, cancellationToken);
        return SafeSmsAnswer.ReadBalance(result, provider);
    }

    /// <summary>The query is the key, the action and the call's own fields: nothing else can be added here.</summary>
    private Task<ExchangeResult> SendAsync(
        ProviderEndpoint provider, string action, IEnumerable<KeyValuePair<string, string>> fields, bool repeatable, CancellationToken cancellationToken)
    {
        List<KeyValuePair<string, string>> query = [new("api_key", provider.ApiKey), new("action", action), .. fields];
        return transport.GetAsync(provider, action, query, repeatable, cancellationToken);
    }

    // The phone is left out of the log line; the activation id is enough to find it.
    private static string Describe(NumberOutcome outcome) => outcome switch
    {
        NumberOutcome.Rented r => $"rented activation {r.ActivationId}",
        NumberOutcome.RentedUnusable r => $"rented, unusable: {r.Reason}",
        NumberOutcome.Refused r => $"refused ({r.Kind}, {r.Reason}): {r.Message}",
        NumberOutcome.Unknown u => $"unknown: {u.Reason}",
        _ => outcome.GetType().Name,
    };
}
