using Fulfillment.Providers;
using Fulfillment.Providers.Smm;
using Fulfillment.Providers.SmsActivate;

namespace Fulfillment.Engine.Dispatch;

/// <summary>What one add or rent said about its provider (as opposed to about its order).</summary>
public enum ProviderSaid
{
    /// <summary>Nothing either way: a lost answer, our own limiter or the provider's 429.</summary>
    Nothing,

    /// <summary>It took the order: the provider works.</summary>
    Succeeded,

    /// <summary>It refused the order for a reason of the order's or the service's: reachable, but that proves nothing about the key.</summary>
    Answered,

    /// <summary>The request never reached it (refused connection, DNS, circuit open).</summary>
    Unreachable,

    /// <summary>It refused the key or the account.</summary>
    AuthenticationFailed,

    /// <summary>It answered with a redirect: sending to it pauses until a call to it succeeds.</summary>
    Redirected,

    /// <summary>It does not know the action, or answered a 4xx page: worth showing, not an outage.</summary>
    Misconfigured,
}

/// <summary>What one add or rent said about its provider, and the error to show.</summary>
public sealed record ProviderHealth(long ProviderId, ProviderSaid Said, string? Error)
{
    public static ProviderHealth Of(ProviderEndpoint provider, AddOutcome outcome) => outcome switch
    {
        AddOutcome.Accepted or AddOutcome.AcceptedUnusable => new(provider.Id, ProviderSaid.Succeeded, null),
        AddOutcome.Refused { Reason: RefusalReason.Unreachable } r => new(provider.Id, ProviderSaid.Unreachable, "Add not accepted: " + r.Message),
        AddOutcome.Unknown { Redirected: true } u => new(provider.Id, ProviderSaid.Redirected, "Add not accepted: " + u.Reason),
        AddOutcome.Refused { Reason: RefusalReason.AuthenticationFailed } r => new(provider.Id, ProviderSaid.AuthenticationFailed, "Add refused: " + r.Message),
        AddOutcome.Refused { Reason: RefusalReason.Misconfigured } r => new(provider.Id, ProviderSaid.Misconfigured, "Add refused: " + r.Message),
        // Our own limiter or the provider's 429: it says nothing either way.
        AddOutcome.Refused { Reason: RefusalReason.RateLimited } => new(provider.Id, ProviderSaid.Nothing, null),
        AddOutcome.Refused => new(provider.Id, ProviderSaid.Answered, null),
        _ => new(provider.Id, ProviderSaid.Nothing, null),
    };

    public static ProviderHealth Of(ProviderEndpoint provider, NumberOutcome outcome) => outcome switch
    {
        NumberOutcome.Rented or NumberOutcome.RentedUnusable => new(provider.Id, ProviderSaid.Succeeded, null),
        NumberOutcome.Refused { Reason: SmsRefusal.NotSent } r => new(provider.Id, ProviderSaid.Unreachable, "getNumber not accepted: " + r.Message),
        NumberOutcome.Unknown { Redirected: true } u => new(provider.Id, ProviderSaid.Redirected, "getNumber not accepted: " + u.Reason),
        NumberOutcome.Refused { Reason: SmsRefusal.BadKey or SmsRefusal.Banned } r => new(provider.Id, ProviderSaid.AuthenticationFailed, "getNumber refused: " + r.Message),
        NumberOutcome.Refused { Reason: SmsRefusal.RateLimited } => new(provider.Id, ProviderSaid.Nothing, null),
        NumberOutcome.Refused => new(provider.Id, ProviderSaid.Answered, null),
        _ => new(provider.Id, ProviderSaid.Nothing, null),
    };
}
