using System.Text.Json;

namespace Fulfillment.Data.Entities;

public sealed class Order
{
    // Written by the panel (through place_order).
    public long Id { get; set; }
    public long UserId { get; set; }
    public long ServiceId { get; set; }
    public string Link { get; set; } = "";
    public int Quantity { get; set; }
    public decimal Charge { get; set; }

    /// <summary>
    /// Engine-internal, set by place_order: the units the charge covers (quantity x runs for a drip-feed,
    /// 1 for a package, the lines of a list). A partial refund is measured against it.
    /// </summary>
    public long? ChargedUnits { get; set; }

    /// <summary>
    /// Engine-internal, set by place_order for a subscription only: the posts its charge covers. Its refund is
    /// measured against it (fulfillment_subscription_refund), and it marks the order as a subscription.
    /// </summary>
    public int? ChargedPosts { get; set; }

    /// <summary>
    /// Engine-internal: the posts the provider reports served for a subscription, never decreasing and at most
    /// <see cref="ChargedPosts"/>. What a subscription's refund counts as delivered.
    /// </summary>
    public int? PostsServed { get; set; }
    public JsonDocument? Params { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    // Written by the engine.
    public string Status { get; set; } = OrderStatus.Pending;
    public long? ProviderId { get; set; }
    public string? ProviderOrderId { get; set; }
    public string? ProviderStatus { get; set; }
    public long? StartCount { get; set; }
    public long? Remains { get; set; }
    public decimal Refunded { get; set; }
    public string? Error { get; set; }
    public long? HeldBy { get; set; }
    public JsonDocument? Result { get; set; }
    public DateTimeOffset? DispatchedAt { get; set; }

    /// <summary>What the provider charged for this order (its status answers' <c>charge</c>), in <see cref="ProviderCurrency"/>.</summary>
    public decimal? ProviderCharge { get; set; }
    public string? ProviderCurrency { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    // Engine-internal scheduling columns.
    public DateTimeOffset? NextAttemptAt { get; set; }
    public int Attempts { get; set; }

    /// <summary>When status tracking next asks the provider about this order.</summary>
    public DateTimeOffset? NextCheckAt { get; set; }

    /// <summary>
    /// Status answers in a row in which the provider said it does not know this order ("Incorrect order ID"); 0 after an answer
    /// about it. The order goes to review at Fulfillment:Tracking:UnknownOrderReviewAfter.
    /// </summary>
    public int UnknownAnswers { get; set; }

    /// <summary>The link normalised per platform, for same-target conflict detection.</summary>
    public string? LinkKey { get; set; }

    public DateTimeOffset? AnonymizedAt { get; set; }

    /// <summary>The engine instance that claimed this order for dispatch.</summary>
    public Guid? ClaimedBy { get; set; }

    /// <summary>
    /// The route the order is on: 0 is its service's own provider, n the service_routes row at position n.
    /// Failover only moves it forward; provider_id is set from it at each claim. Which provider may hold the order is
    /// its attempts' business (order_attempts), not this column's.
    /// </summary>
    public int RoutePosition { get; set; }

    /// <summary>Public: the emulated drip-feed order this order is a run of (a run is never charged; its parent is).</summary>
    public long? ParentId { get; set; }

    /// <summary>Engine-internal: which run of its parent this is (1..runs); one row per run, ever.</summary>
    public int? RunNumber { get; set; }

    /// <summary>Engine-internal: on an emulated drip-feed parent, the runs the engine sends for it (its params' runs).</summary>
    public int? EmulatedRuns { get; set; }
}
