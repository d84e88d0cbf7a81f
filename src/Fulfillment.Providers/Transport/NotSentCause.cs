namespace Fulfillment.Providers.Transport;

public enum NotSentCause
{
    /// <summary>DNS failure, connection refused, TLS handshake failure, or a timeout before the body went out.</summary>
    Unreachable,

    /// <summary>The circuit breaker is open for this provider.</summary>
    CircuitOpen,

    /// <summary>This process's own concurrency or rate limiter refused the call.</summary>
    LocallyThrottled,
}
