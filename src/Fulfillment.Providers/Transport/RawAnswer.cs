namespace Fulfillment.Providers.Transport;

/// <summary>An HTTP answer read in full inside the resilience pipeline.</summary>
internal sealed record RawAnswer(int StatusCode, string Body)
{
    /// <summary>
    /// Counts as a failure for the circuit breaker and, on safe calls, for retry: the provider is
    /// overloaded, throttling, or sits behind a Cloudflare or maintenance page.
    /// </summary>
    public bool LooksTransient =>
        StatusCode >= 500 || StatusCode == 429 || string.IsNullOrWhiteSpace(Body) || Body.TrimStart().StartsWith('<');
}
