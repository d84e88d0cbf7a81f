using Fulfillment.Data.Entities;

namespace Fulfillment.Engine.Lifecycle.Decisions;

/// <summary>
/// An order left dispatching by an engine that stopped (or stopped renewing its lease): one that never
/// got its sending mark provably never left and goes back to pending; one that did may be at the provider
/// and goes to review, never sent again.
/// </summary>
public static class Recovery
{
    public static OrderChange Decide(long orderId, bool markedSending) => markedSending
        ? new OrderChange.ToReview(orderId, OrderStatus.Dispatching,
            "The engine stopped after sending this order and before recording the answer. Check the provider for an order on this link, " +
            "then call release_order(id, 'retry') if it is not there, or release_order(id, 'refund').")
        : new OrderChange.ReleasedUnsent(orderId, null, "claimed by a stopped engine before sending");
}
