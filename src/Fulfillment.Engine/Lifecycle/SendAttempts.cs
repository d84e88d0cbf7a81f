using Fulfillment.Data.Entities;

namespace Fulfillment.Engine.Lifecycle;

/// <summary>A send about to leave: its row is written before the request, in the commit that marks the order sending.</summary>
/// <param name="UpstreamRate">The route's listed rate, in the provider's currency, if listed.</param>
public sealed record AttemptStart(long OrderId, long? ProviderId, string? ProviderServiceId, int RoutePosition, decimal? UpstreamRate);

/// <summary>What one attempt's answer said (<see cref="AttemptOutcome"/>), recorded on its row.</summary>
/// <param name="Refusal">A refusal's kind and reason as the client read them (<c>temporary:unreachable</c>): failover counts those for now.</param>
public sealed record AttemptAnswer(long AttemptId, string Outcome, string? ProviderOrderId = null, string? Error = null, string? Refusal = null)
{
    /// <summary>A refusal that counts towards moving the order to its next route once its route has refused it for FailoverAfter.</summary>
    public const string ForNowPrefix = "temporary:";

    /// <summary>The provider's own same-link refusal: held, not a refusal of the route.</summary>
    public const string SameLink = "temporary:duplicate_link";
}

/// <summary>An add whose outcome is decided: the order's move and its attempt's answer, recorded together.</summary>
public sealed record SendResult(OrderChange Change, AttemptAnswer Answer)
{
    public long OrderId => Change.OrderId;
}
