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

/// <summary>
/// <c>services.dripfeed_mode</c>: how the engine delivers a drip-feed order (<c>params.runs</c>, <c>params.interval</c>)
/// of a service that sells drip-feed (<c>services.dripfeed</c>).
/// </summary>
public static class DripFeedMode
{
    /// <summary>Native where the provider's stored service list (provider_services) says it offers drip-feed, emulated otherwise.</summary>
    public const string Auto = "auto";

    /// <summary>Passed to the provider: one add with runs and interval.</summary>
    public const string Native = "native";

    /// <summary>Run by the engine: the order is a parent that is never sent, its runs are child orders sent one at a time.</summary>
    public const string Emulated = "emulated";

    public static readonly IReadOnlyList<string> All = [Auto, Native, Emulated];
}

/// <summary><c>operator_alerts.kind</c>: the fixed names of what an operator is alerted to.</summary>
public static class AlertKind
{
    public const string ProviderBalanceLow = "provider_balance_low";
    public const string ProviderUnreachable = "provider_unreachable";
    public const string ProviderAuthFailed = "provider_auth_failed";
    public const string RouteQuarantined = "route_quarantined";
    public const string OrdersStuck = "orders_stuck";
    public const string BalanceMismatch = "balance_mismatch";
    public const string CostMismatch = "cost_mismatch";
    public const string ServiceListSuspect = "service_list_suspect";
    public const string PriceChangeHeld = "price_change_held";

    public static readonly IReadOnlyList<string> All =
        [ProviderBalanceLow, ProviderUnreachable, ProviderAuthFailed, RouteQuarantined, OrdersStuck, BalanceMismatch, CostMismatch, ServiceListSuspect,
            PriceChangeHeld];
}

/// <summary><c>price_changes.status</c>: what became of a change of an upstream rate.</summary>
public static class PriceChangeStatus
{
    /// <summary>Recorded only: the service's price is set by hand (or the change moved no sale rate).</summary>
    public const string Observed = "observed";

    /// <summary>The sale rate moved with it (within the hold limit, or the operator's new markup).</summary>
    public const string Applied = "applied";

    /// <summary>A larger move waiting for a person (decide_price_change).</summary>
    public const string Held = "held";

    public const string Approved = "approved";
    public const string Rejected = "rejected";

    /// <summary>A held change a newer one overtook: never applied late.</summary>
    public const string Superseded = "superseded";

    public static readonly IReadOnlyList<string> All = [Observed, Applied, Held, Approved, Rejected, Superseded];
}

/// <summary><c>operator_alerts.subject_type</c>: what an alert is about.</summary>
public static class AlertSubject
{
    public const string Provider = "provider";
    public const string Route = "route";
    public const string Service = "service";
    public const string User = "user";
    public const string Engine = "engine";

    public static readonly IReadOnlyList<string> All = [Provider, Route, Service, User, Engine];
}

/// <summary><c>order_attempts.outcome</c>: what became of one add or getNumber sent.</summary>
public static class AttemptOutcome
{
    /// <summary>Written before the request leaves; no answer recorded yet.</summary>
    public const string Sending = "sending";

    /// <summary>The provider took it (provider_order_id, or null when its id could not be used).</summary>
    public const string Accepted = "accepted";

    /// <summary>The provider said no, or the request provably never left.</summary>
    public const string Refused = "refused";

    /// <summary>The answer was lost or said two things: the provider may hold the order.</summary>
    public const string Unknown = "unknown";

    /// <summary>A person decided (release_order) without an answer; error says who and what.</summary>
    public const string Settled = "settled";

    public static readonly IReadOnlyList<string> All = [Sending, Accepted, Refused, Unknown, Settled];

    /// <summary>Outcomes under which the provider may hold the order without the engine knowing it.</summary>
    public static readonly IReadOnlyList<string> Open = [Sending, Unknown];
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
