using System.Threading.RateLimiting;
using Fulfillment.Providers.Transport;
using Polly;
using Polly.CircuitBreaker;
using Polly.RateLimiting;
using Polly.Retry;
using Polly.Timeout;

namespace Fulfillment.Providers.Resilience;

/// <summary>Builds a provider's pipelines from its options.</summary>
internal static class ProviderPipelineFactory
{
    public static ProviderPipelines Create(ProviderResilienceOptions options, TimeProvider timeProvider)
    {
        var limiters = new List<RateLimiter>();
        var guarded = new ResiliencePipelineBuilder<RawAnswer> { TimeProvider = timeProvider }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<RawAnswer>
            {
                FailureRatio = options.CircuitBreakerFailureRatio,
                MinimumThroughput = options.CircuitBreakerMinimumThroughput,
                SamplingDuration = options.CircuitBreakerSamplingDuration,
                BreakDuration = options.CircuitBreakerBreakDuration,
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome)),
            });

        var concurrency = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = options.MaxConcurrency,
            QueueLimit = options.MaxQueuedCalls,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        limiters.Add(concurrency);
        guarded.AddRateLimiter(concurrency);

        if (options.RateLimitPermits > 0)
        {
            var window = new SlidingWindowRateLimiter(new SlidingWindowRateLimiterOptions
            {
                PermitLimit = options.RateLimitPermits,
                Window = options.RateLimitWindow,
                SegmentsPerWindow = 4,
                QueueLimit = options.MaxQueuedCalls,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                AutoReplenishment = true,
            });
            limiters.Add(window);
            guarded.AddRateLimiter(window);
        }

        guarded.AddTimeout(options.Timeout);

        var retry = new ResiliencePipelineBuilder<RawAnswer> { TimeProvider = timeProvider };
        if (options.RetryCount > 0)
        {
            retry.AddRetry(new RetryStrategyOptions<RawAnswer>
            {
                MaxRetryAttempts = options.RetryCount,
                Delay = options.RetryBaseDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome)),
            });
        }

        return new ProviderPipelines(options, guarded.Build(), retry.Build(), limiters);
    }

    /// <summary>
    /// Failures that say something about the provider's health. A refusal by our own breaker or limiter,
    /// or the caller's cancellation, is not one: retrying it or counting it would feed back on itself.
    /// </summary>
    internal static bool IsTransient(Outcome<RawAnswer> outcome) => outcome.Exception switch
    {
        null => outcome.Result is { LooksTransient: true },
        BrokenCircuitException or RateLimiterRejectedException => false,
        HttpRequestException or TimeoutRejectedException or IOException => true,
        _ => false,
    };
}
