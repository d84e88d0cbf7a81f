namespace Fulfillment.Providers;

/// <summary>
/// The clock of network time: timeouts, retry delays, circuit-breaker windows, elapsed times.
/// It is the wall clock even when the engine's decision clock is a fake one in tests: a request
/// times out in real seconds whatever time the engine believes it is.
/// </summary>
public sealed class ProviderClock(TimeProvider time)
{
    public static ProviderClock System { get; } = new(TimeProvider.System);

    public TimeProvider Time { get; } = time;
}
