using Fulfillment.Providers;
using Fulfillment.Providers.Smm;
using Fulfillment.Providers.SmsActivate;

namespace Fulfillment.Engine.Dispatch;

/// <summary>What one add or rent said about its provider: reached (true), unreachable (false), or nothing (null); and the error to show.</summary>
public sealed record ProviderHealth(long ProviderId, bool? Reached, string? Error)
{
    public static ProviderHealth Of(ProviderEndpoint provider, AddOutcome outcome) => outcome switch
    {
        AddOutcome.Accepted or AddOutcome.AcceptedUnusable => new(provider.Id, true, null),
        AddOutcome.Refused { Reason: RefusalReason.Unreachable } r => new(provider.Id, false, "Add not accepted: " + r.Message),
        AddOutcome.Unknown { Redirected: true } u => new(provider.Id, false, "Add not accepted: " + u.Reason),
        AddOutcome.Refused { Reason: RefusalReason.Misconfigured or RefusalReason.AuthenticationFailed } r => new(provider.Id, null, "Add refused: " + r.Message),
        // Our own limiter or the provider's 429: it says nothing either way.
        AddOutcome.Refused { Reason: RefusalReason.RateLimited } => new(provider.Id, null, null),
        AddOutcome.Refused => new(provider.Id, true, null),
        _ => new(provider.Id, null, null),
    };

    public static ProviderHealth Of(ProviderEndpoint provider, NumberOutcome outcome) => outcome switch
    {
        NumberOutcome.Rented or NumberOutcome.RentedUnusable => new(provider.Id, true, null),
        NumberOutcome.Refused { Reason: SmsRefusal.NotSent } r => new(provider.Id, false, "getNumber not accepted: " + r.Message),
        NumberOutcome.Unknown { Redirected: true } u => new(provider.Id, false, "getNumber not accepted: " + u.Reason),
        NumberOutcome.Refused { Reason: SmsRefusal.BadKey or SmsRefusal.Banned } r => new(provider.Id, null, "getNumber refused: " + r.Message),
        NumberOutcome.Refused { Reason: SmsRefusal.RateLimited } => new(provider.Id, null, null),
        NumberOutcome.Refused => new(provider.Id, true, null),
        _ => new(provider.Id, null, null),
    };
}
