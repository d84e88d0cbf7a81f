namespace Fulfillment.Engine.Lifecycle;

/// <summary>
/// What a user may read about how an order ended (<c>notifications.payload.reason</c>). The panel shows
/// it to end users, so it is a fixed vocabulary (checked by <c>fulfillment_user_reason</c>) and never a
/// provider's name, URL, balance or words; <c>orders.error</c> keeps the detail for operators.
/// </summary>
public static class UserReason
{
    public const string Delivered = "delivered";
    public const string PartiallyDelivered = "partially_delivered";

    /// <summary>The order could not be delivered (refused, canceled or failed upstream).</summary>
    public const string NotDelivered = "not_delivered";

    public const string CanceledByUser = "canceled_by_user";
    public const string AccountBlocked = "account_blocked";

    /// <summary>The order's own link, quantity or parameters cannot be delivered.</summary>
    public const string InvalidOrder = "invalid_order";

    /// <summary>The service could not take the order (disabled, misconfigured, refused upstream for its own reasons).</summary>
    public const string ServiceUnavailable = "service_unavailable";

    /// <summary>Another order for the same link was active (Conflicts:Policy Fail).</summary>
    public const string DuplicateLink = "duplicate_link";

    /// <summary>Canceled with a refund by a person after review (release_order).</summary>
    public const string StaffDecision = "staff_decision";

    /// <summary>An SMS activation whose code did not arrive in time.</summary>
    public const string NoCodeReceived = "no_code_received";

    /// <summary>A subscription that reached its expiry date before all its posts were served; the unserved ones refunded.</summary>
    public const string SubscriptionExpired = "subscription_expired";

    public static readonly IReadOnlyList<string> All =
        [Delivered, PartiallyDelivered, NotDelivered, CanceledByUser, AccountBlocked, InvalidOrder, ServiceUnavailable, DuplicateLink, StaffDecision, NoCodeReceived,
         SubscriptionExpired];
}
