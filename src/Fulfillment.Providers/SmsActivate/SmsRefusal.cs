namespace Fulfillment.Providers.SmsActivate;

/// <summary>Why a <c>getNumber</c> was refused.</summary>
public enum SmsRefusal
{
    /// <summary><c>NO_NUMBERS</c>: none free for this service and country right now.</summary>
    NoNumbers,

    /// <summary><c>NO_BALANCE</c>: the panel's account at the provider is low.</summary>
    NoBalance,

    /// <summary><c>BAD_SERVICE</c>: the provider does not know the service code.</summary>
    BadService,

    /// <summary><c>BAD_KEY</c>: the provider row's key is wrong; someone must fix it.</summary>
    BadKey,

    /// <summary><c>BANNED:...</c>: the account is blocked (usually until the time in the message).</summary>
    Banned,

    /// <summary>HTTP 429: the provider throttles.</summary>
    RateLimited,

    /// <summary>The request provably never left: DNS, connection refused, circuit open, our own limiter.</summary>
    NotSent,

    /// <summary><c>BAD_ACTION</c>, a 4xx page: the provider says it did not process the request.</summary>
    Other,
}
