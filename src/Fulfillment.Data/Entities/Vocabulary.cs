namespace Fulfillment.Data.Entities;

// The status vocabulary of docs/contract.md. These strings are public: the panel and
// outside acceptance tests read and write them, so they are constants, not enums.

public static class UserStatus
{
    public const string Active = "active";
    public const string Blocked = "blocked";
    public const string Deleted = "deleted";
    public static readonly IReadOnlyList<string> All = [Active, Blocked, Deleted];
}

public static class ProviderKind
{
    public const string SmmV2 = "smm_v2";
    public const string SmsActivate = "sms_activate";
    public static readonly IReadOnlyList<string> All = [SmmV2, SmsActivate];
}

public static class ServiceType
{
    public const string Default = "Default";
    public const string Package = "Package";
    public const string Activation = "Activation";
}

public static class OrderStatus
{
    public const string Pending = "pending";
    public const string Held = "held";
    public const string Dispatching = "dispatching";
    public const string InProgress = "in_progress";
    public const string Completed = "completed";
    public const string Partial = "partial";
    public const string Canceled = "canceled";
    public const string Failed = "failed";
    public const string Review = "review";

    public static readonly IReadOnlyList<string> All =
        [Pending, Held, Dispatching, InProgress, Completed, Partial, Canceled, Failed, Review];

    public static readonly IReadOnlyList<string> Terminal = [Completed, Partial, Canceled, Failed];

    public static bool IsTerminal(string status) => Terminal.Contains(status);
}

public static class LedgerKind
{
    public const string Deposit = "deposit";
    public const string Charge = "charge";
    public const string Refund = "refund";
    public const string Forfeit = "forfeit";
    public const string Adjustment = "adjustment";
    public static readonly IReadOnlyList<string> All = [Deposit, Charge, Refund, Forfeit, Adjustment];
}

public static class OrderRequestKind
{
    public const string Cancel = "cancel";
    public const string Refill = "refill";
    public static readonly IReadOnlyList<string> All = [Cancel, Refill];
}

public static class OrderRequestStatus
{
    public const string Pending = "pending";
    public const string Sent = "sent";
    public const string Done = "done";
    public const string Rejected = "rejected";
    public const string Failed = "failed";
    public static readonly IReadOnlyList<string> All = [Pending, Sent, Done, Rejected, Failed];
}
