namespace Fulfillment.Providers.Transport;

/// <summary>An HTTP answer read in full inside the resilience pipeline.</summary>
/// <param name="Location">The Location header of a redirect, as sent (possibly relative); null otherwise.</param>
internal sealed record RawAnswer(int StatusCode, string Body, string? Location = null)
{
    public bool IsRedirect => StatusCode is >= 300 and < 400;

    /// <summary>
    /// Counts as a failure for the circuit breaker and, on safe calls, for retry: the provider is
    /// overloaded, throttling, or sits behind a Cloudflare or maintenance page. A redirect is not: asking again
    /// gets the same redirect, and it says nothing about the provider's health.
    /// </summary>
    public bool LooksTransient => !IsRedirect && (
        StatusCode >= 500 || StatusCode == 429 || string.IsNullOrWhiteSpace(Body) || Body.TrimStart().StartsWith('<'));
}
