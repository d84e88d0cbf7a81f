using System.ComponentModel.DataAnnotations;

namespace Fulfillment.Providers.Resilience;

/// <summary>
/// How the engine talks to one provider. Bound from <c>Fulfillment:Providers:Defaults</c>, then from
/// <c>Fulfillment:Providers:Overrides:&lt;ProviderName&gt;</c> on top (only the keys an override sets change).
/// Protocol-neutral: every provider client (SMM v2, SMS activations) resolves its pipeline from these.
/// </summary>
public sealed class ProviderResilienceOptions
{
    public const string Section = "Fulfillment:Providers";
    public const string DefaultsSection = Section + ":Defaults";
    public const string OverridesSection = Section + ":Overrides";

    /// <summary>One attempt, from sending to the last byte of the answer.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Calls in flight to this provider at once; more wait in a queue.</summary>
    [Range(1, 10_000)]
    public int MaxConcurrency { get; set; } = 16;

    /// <summary>Calls allowed to wait for a slot; beyond that a call is refused locally (and never sent).</summary>
    [Range(0, 100_000)]
    public int MaxQueuedCalls { get; set; } = 256;

    /// <summary>Calls allowed per <see cref="RateLimitWindow"/>; 0 turns the rate limit off (the concurrency cap stays).</summary>
    [Range(0, 1_000_000)]
    public int RateLimitPermits { get; set; }

    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan RateLimitWindow { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Share of failed calls within <see cref="CircuitBreakerSamplingDuration"/> that opens the circuit.</summary>
    [Range(0.01, 1.0)]
    public double CircuitBreakerFailureRatio { get; set; } = 0.5;

    /// <summary>The circuit never opens on fewer calls than this within the sampling window.</summary>
    [Range(2, 100_000)]
    public int CircuitBreakerMinimumThroughput { get; set; } = 20;

    [Range(typeof(TimeSpan), "00:00:00.500", "1.00:00:00")]
    public TimeSpan CircuitBreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an open circuit refuses calls before letting one through to probe.</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "1.00:00:00")]
    public TimeSpan CircuitBreakerBreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries for safe calls only (status, services, balance, refill status). add, refill and cancel are never retried.</summary>
    [Range(0, 10)]
    public int RetryCount { get; set; } = 2;

    /// <summary>First retry delay; later ones back off exponentially, with jitter.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Read by the engine, not the client: whether an order whose add answer was lost may be sent again
    /// without a human looking first. Off by default, because the provider may already run it.
    /// </summary>
    public bool AllowResendOnUnknown { get; set; }
}
