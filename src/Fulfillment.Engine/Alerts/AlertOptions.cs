namespace Fulfillment.Engine.Alerts;

/// <summary><c>Fulfillment:Alerts</c>: when orders in progress count as stuck (<c>orders_stuck</c>).</summary>
public sealed class AlertOptions
{
    public const string Section = "Fulfillment:Alerts";

    /// <summary>An order is stuck after this many times its service's expected time (service_stats' avg_seconds_per_1000 × quantity / 1000).</summary>
    public int StuckFactor { get; set; } = 3;

    /// <summary>The expected time is never shorter than this.</summary>
    public TimeSpan StuckAfterMin { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The expected time of a service without stats.</summary>
    public TimeSpan StuckAfter { get; set; } = TimeSpan.FromHours(24);
}

/// <summary>
/// <c>Fulfillment:Quarantine</c>: when a route (a provider and its upstream service) is quarantined, and for how long. A quarantined
/// route is skipped like a disabled one for orders not yet sent.
/// </summary>
public sealed class QuarantineOptions
{
    public const string Section = "Fulfillment:Quarantine";

    /// <summary>Add errors that are not about the order (refused for now, or the answer lost) in the last hour.</summary>
    public int ErrorsPerHour { get; set; } = 5;

    /// <summary>Orders the provider canceled or refunded without delivering, within <see cref="ProviderCancelWindow"/>...</summary>
    public int ProviderCancels { get; set; } = 5;

    /// <summary>... belonging to at least this many users ...</summary>
    public int ProviderCancelUsers { get; set; } = 3;

    /// <summary>... and more than this share of the route's orders finished in the window.</summary>
    public int ProviderCancelPercent { get; set; } = 30;

    public TimeSpan ProviderCancelWindow { get; set; } = TimeSpan.FromHours(12);

    /// <summary>Orders of the route in progress past their expected time (<see cref="AlertOptions"/>).</summary>
    public int StuckOrders { get; set; } = 10;

    /// <summary>The first quarantine lasts the first cooldown, the next one the next, the last one repeats; none set: 30 minutes, 2 hours, 12 hours.</summary>
    /// <remarks>Empty by default: configuration binding adds to a list, so defaults here could not be replaced.</remarks>
    public List<TimeSpan> Cooldowns { get; set; } = [];

    /// <summary><see cref="Cooldowns"/>, or the defaults when none are set.</summary>
    /// <remarks>A method, not a property: check-config takes every public property for a setting, and this one cannot be set.</remarks>
    public IReadOnlyList<TimeSpan> CooldownSteps() => Cooldowns.Count > 0 ? Cooldowns : [TimeSpan.FromMinutes(30), TimeSpan.FromHours(2), TimeSpan.FromHours(12)];

    /// <summary>After this long without a quarantine, the cooldowns start again from the first.</summary>
    public TimeSpan ResetAfter { get; set; } = TimeSpan.FromDays(1);
}

/// <summary><c>Fulfillment:Reconcile</c>: the daily check of each provider's costs against what it listed (<c>cost_mismatch</c>).</summary>
public sealed class ReconcileOptions
{
    public const string Section = "Fulfillment:Reconcile";

    /// <summary>An order's cost further than this from its listed rate × delivered units counts as a mismatch.</summary>
    public int CostTolerancePercent { get; set; } = 10;

    /// <summary>A provider is alerted once at least this many of the day's orders mismatch.</summary>
    public int CostMismatchMinOrders { get; set; } = 5;
}
