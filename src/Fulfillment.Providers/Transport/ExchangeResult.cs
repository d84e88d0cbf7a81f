namespace Fulfillment.Providers.Transport;

/// <summary>
/// What one exchange with a provider produced, before any protocol reads it. The split between
/// <see cref="NotSent"/> and <see cref="Lost"/> is what makes a lost add "unknown" rather than "refused".
/// </summary>
public abstract record ExchangeResult(TimeSpan Elapsed)
{
    /// <summary>The provider answered; the body is read in full (it may still be HTML, empty or broken JSON).</summary>
    public sealed record Answered(int StatusCode, string Body, TimeSpan Elapsed) : ExchangeResult(Elapsed);

    /// <summary>Provably no byte of the request body left this process, so the provider cannot have acted on it.</summary>
    public sealed record NotSent(NotSentCause Cause, string Reason, TimeSpan Elapsed) : ExchangeResult(Elapsed);

    /// <summary>The request may have reached the provider and its answer is lost (timeout, reset, caller gave up).</summary>
    public sealed record Lost(string Reason, TimeSpan Elapsed) : ExchangeResult(Elapsed);

    /// <summary>
    /// The provider's URL answered with a redirect (3xx), which is never followed: the request carries the API key.
    /// <paramref name="Target"/> is the Location, made absolute, with the key redacted and the text cleaned.
    /// </summary>
    public sealed record Redirected(int StatusCode, string Target, TimeSpan Elapsed) : ExchangeResult(Elapsed)
    {
        /// <summary>What an operator needs to read: where it points, and what to fix.</summary>
        public string Message => $"HTTP {StatusCode} redirect to {Target}, not followed (the request carries the API key); check api_url";
    }
}
