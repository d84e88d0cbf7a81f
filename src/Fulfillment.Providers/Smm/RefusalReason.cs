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

    /// <summary>A URL that is not an API (4xx), an action the provider does not know: someone must fix the provider row.</summary>
    Misconfigured,

    /// <summary>
    /// The provider does not accept the key or the account behind it (a wrong or disabled key, an inactive account, an
    /// address not allowed): a problem of the whole provider, not of the order. Someone must fix the provider row or the account.
    /// </summary>
    AuthenticationFailed,

    /// <summary>The request never left: DNS, connection refused, circuit open.</summary>
    Unreachable,

    /// <summary>An error the classifier does not recognise; treated as temporary.</summary>
    Other,
}
