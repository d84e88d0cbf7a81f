using System.Threading.RateLimiting;
using Fulfillment.Providers.Transport;
using Polly;

namespace Fulfillment.Providers.Resilience;

/// <summary>
/// One provider's resilience. <see cref="Guarded"/> (circuit breaker, limiters, timeout) wraps every call;
/// <see cref="Retry"/> is put around it for safe calls only. Keeping one guarded pipeline means the
/// breaker and the limiters see all traffic to the provider, repeatable or not.
/// </summary>
internal sealed class ProviderPipelines(
    ProviderResilienceOptions options,
    ResiliencePipeline<RawAnswer> guarded,
    ResiliencePipeline<RawAnswer> retry,
    IReadOnlyList<RateLimiter> limiters) : IAsyncDisposable
{
    public ProviderResilienceOptions Options { get; } = options;

    public ResiliencePipeline<RawAnswer> Guarded { get; } = guarded;

    public ResiliencePipeline<RawAnswer> Retry { get; } = retry;

    public async ValueTask DisposeAsync()
    {
        foreach (var limiter in limiters)
            await limiter.DisposeAsync();
    }
}
