namespace Fulfillment.Providers.Smm;

public enum RefusalReason
{
    BadLink,
    UnknownService,
    QuantityOutOfRange,

    /// <summary>"Not enough funds on balance": the panel's account at the provider is low.</summary>
    InsufficientFunds,

    /// <summary>"You have active order with this link": the provider's own same-link rule.</summary>
    DuplicateLink,

    /// <summary>HTTP 429, a throttling message, or our own limiter refusing before sending.</summary>
    RateLimited,

    /// <summary>Invalid API key, a URL that is not an API (4xx): someone must fix the provider row.</summary>
    Misconfigured,

    /// <summary>The request never left: DNS, connection refused, circuit open.</summary>
    Unreachable,

    /// <summary>
    /// The provider's URL answered with a redirect (3xx), which is never followed (the request carries the key):
    /// someone must fix api_url. Read as not accepted, so the order waits and goes out once the URL is fixed.
    /// </summary>
    Redirected,

    /// <summary>An error the classifier does not recognise; treated as temporary.</summary>
    Other,
}
