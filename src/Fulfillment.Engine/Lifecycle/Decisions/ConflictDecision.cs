using Fulfillment.Data.Entities;
using Fulfillment.Engine.Configuration;

namespace Fulfillment.Engine.Lifecycle.Decisions;

/// <summary>Same-link conflicts (ToS 2.3): an order behind an active order on the same target waits for it, or fails.</summary>
public static class ConflictDecision
{
    /// <summary>What happens to an order that passed its checks: null to send it, else held or failed with a refund.</summary>
    /// <param name="blocker">The earliest active order ahead of it on the same target within the scope, if any.</param>
    public static OrderChange? Decide(long orderId, long? blocker, ConflictPolicy policy) => blocker switch
    {
        null => null,
        { } b when policy == ConflictPolicy.Fail => new OrderChange.Finished(new Finish(orderId, OrderStatus.Failed, null,
            $"Not sent: order {b} for the same link is still active; refunded in full.", new { stage = "conflict", blocker = b },
            Reason: UserReason.DuplicateLink)),
        { } b => new OrderChange.HeldBehind(orderId, b, $"Waiting for order {b} on the same link to finish."),
    };
}
