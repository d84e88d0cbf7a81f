namespace Fulfillment.Engine.Retention;

/// <summary>The steps of a <c>PurgeExpiredData</c> run, in the order they run; the keys of <see cref="RetentionReport"/>.</summary>
public static class RetentionSteps
{
    public const string ErasedUsers = "erasure_users";
    public const string DeletedAccounts = "deleted_accounts";
    public const string InactiveReturned = "inactive_returned";
    public const string InactiveAccounts = "inactive_accounts";
    public const string InactiveNotices = "inactive_notices";
    public const string ErasedOrders = "erasure_orders";
    public const string ErasureRequests = "erasure_requests";
    public const string ActivityLog = "activity_log";
    public const string SupportTickets = "support_tickets";
    public const string SentNotifications = "sent_notifications";
    public const string ActivationData = "activation_data";
    public const string OrdersDeleted = "orders_deleted";
    public const string OrdersAnonymized = "orders_anonymized";

    /// <summary>Month partitions of order_events dropped, once every event of the month went with its order (<see cref="Retention.EventPartitions"/>).</summary>
    public const string EventPartitions = "event_partitions";

    /// <summary>
    /// Erasure first (it has a legal deadline); a returning user's notice is cleared before the
    /// inactive are anonymised; a user anonymised in this run is not noticed afterwards; orders of
    /// erased users are swept before their requests are completed. After them all, the emptied months of
    /// order_events are dropped (<see cref="Retention.EventPartitions"/>).
    /// </summary>
    public static IReadOnlyList<RetentionOperation> All { get; } =
    [
        new AnonymizeErasureRequested(),
        new AnonymizeDeletedAccounts(),
        new ClearInactiveNoticesOfReturnedUsers(),
        new AnonymizeInactiveAccounts(),
        new SendInactiveAccountNotices(),
        new AnonymizeOrdersOfErasedUsers(),
        new CompleteErasureRequests(),
        new DeleteExpiredActivityLog(),
        new DeleteExpiredSupportTickets(),
        new DeleteSentNotifications(),
        new PurgeActivationData(),
        new DeleteExpiredUnreferencedOrders(),
        new AnonymizeExpiredOrders(),
    ];
}
