namespace Fulfillment.Providers;

/// <summary>Why a safe call failed; lets the caller decide between "try later" and "look at the configuration".</summary>
public enum ProviderCallFailure
{
    /// <summary>The request never left: connection refused, DNS, circuit open, local limiter.</summary>
    NotSent,

    /// <summary>Sent, but no answer came back: timeout, connection reset.</summary>
    NoAnswer,

    /// <summary>An HTTP status other than 2xx (429, 5xx, ...).</summary>
    HttpStatus,

    /// <summary>HTML, an empty body, truncated or unexpected JSON.</summary>
    UnreadableAnswer,

    /// <summary>The provider answered with an error for the whole call (<c>{"error": ...}</c> or <c>{"status":"error","message":...}</c>).</summary>
    ProviderError,

    /// <summary>
    /// The provider refused the key or the account (<see cref="Smm.SmmErrorClassifier.IsAuthenticationFailure"/>): every call
    /// fails until someone fixes the provider row or the account. The message keeps the provider's words.
    /// </summary>
    AuthenticationFailed,

    /// <summary>The provider's URL answered with a redirect (3xx), not followed: the request carries the API key.</summary>
    Redirected,
}
