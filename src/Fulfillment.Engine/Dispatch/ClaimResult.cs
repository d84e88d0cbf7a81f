using Fulfillment.Engine.Lifecycle;
using Fulfillment.Engine.Lifecycle.Decisions;

namespace Fulfillment.Engine.Dispatch;

/// <summary>One order claimed to be sent: the decision (route, request) and, once marked sending, its attempt.</summary>
public sealed record ToSend(ClaimedOrder Order, DispatchDecision Send, long? AttemptId = null)
{
    /// <summary>The attempt's row as the mark writes it: the route's provider and upstream service, its listed rate.</summary>
    public AttemptStart Start => new(Order.Id, Send.Route?.Provider?.Id ?? Order.Provider?.Id, Send.Route?.ProviderServiceId ?? Order.ProviderServiceId,
        Order.RoutePosition, Send.Route?.ListedRate);
}

/// <param name="Finishes">The orders finished by the checks (or the same-link policy), committed with the claim.</param>
public sealed record ClaimResult(int Claimed, IReadOnlyList<ToSend> Orders, int FinishedByChecks, int Waiting, int Held, IReadOnlyList<Finish> Finishes)
{
    public static ClaimResult Empty { get; } = new(0, [], 0, 0, 0, []);

    /// <summary>Every order to send was marked sending in the claim's own commit: they must be sent, never put back.</summary>
    public bool Marked => Orders.Count > 0 && Orders.All(o => o.AttemptId is not null);

    /// <summary>The claims of one batch's orders made one at a time, as one result of <paramref name="claimed"/> orders.</summary>
    public static ClaimResult Merge(int claimed, IReadOnlyList<ClaimResult> parts) => new(claimed, [.. parts.SelectMany(p => p.Orders)],
        parts.Sum(p => p.FinishedByChecks), parts.Sum(p => p.Waiting), parts.Sum(p => p.Held), [.. parts.SelectMany(p => p.Finishes)]);
}
