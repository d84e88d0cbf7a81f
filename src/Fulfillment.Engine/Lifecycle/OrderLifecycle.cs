using static Fulfillment.Data.Entities.OrderStatus;

namespace Fulfillment.Engine.Lifecycle;

/// <summary>
/// Every move an order can make, from which states, and why: docs/lifecycle.md's diagram and table as code.
/// The decisions (<c>Lifecycle/Decisions</c>) return <see cref="OrderChange"/> records naming one of these
/// moves, and <see cref="OrderWriter"/> writes them with a status guard built from its <see cref="Move.From"/>,
/// so an order only ever moves along an edge drawn here. The SQL that moves orders by itself is named here
/// too: the write API (release_order), and the trigger that releases held orders.
/// </summary>
/// <remarks>
/// <code>
/// pending ──claim──▶ dispatching ──accept──▶ in_progress ──finish──▶ completed | partial | canceled | failed
///    ▲  │                │  └─finish (refused for good)──────────────────────────────▶ failed
///    │  │                ├─defer (refused for now) / release_unsent ──▶ pending
///    │  │                ├─reroute (the route cannot take it: on to the next route) ──▶ pending
///    │  │                ├─hold_at_provider ──▶ held
///    │  │                └─review (answer lost) ──▶ review ──retry──▶ pending | retrack ──▶ in_progress | finish
///    │  ├─finish (fails a check, canceled) ; wait (provider paused) ; review (cannot be judged) ; reroute (then claim or wait)
///    │  ├─hold (same link as an active order) ──▶ held ──release_held──▶ pending
///    │  └─start_runs (emulated drip-feed) ──▶ in_progress ──create_run, runs_progress──▶ in_progress ──finish──▶ terminal
///    └──────────────────────────────────────── retry
/// An emulated drip-feed's runs are orders of their own (parent_id), born pending by create_run, and take the moves above.
/// </code>
/// </remarks>
public static class OrderLifecycle
{
    /// <summary>One edge of the lifecycle.</summary>
    /// <param name="From">The states it leaves; the writer's guard.</param>
    /// <param name="To">The state it reaches (for <see cref="Finish"/>: any terminal state).</param>
    public sealed record Move(string Name, IReadOnlyList<string> From, string To, string Why)
    {
        /// <summary>The guard for a status column: <c>IN ('a', 'b')</c>, from the constants.</summary>
        public string FromSql => InList(From);
    }

    public static readonly Move Claim = new("claim", [Pending], Dispatching,
        "picked up for dispatch by one instance (claimed_by); the add may leave only once the batch is marked sending");

    public static readonly Move Wait = new("wait", [Pending], Pending, "not now: its provider is paused for balance (next_attempt_at)");

    public static readonly Move HoldBehind = new("hold", [Pending], Held, "an active order on the same target is ahead of it (held_by)");

    public static readonly Move ReleaseUnsent = new("release_unsent", [Dispatching], Pending,
        "claimed and provably never sent (no sending mark): shutdown, a block since the claim, or a stopped engine");

    public static readonly Move Accept = new("accept", [Dispatching], InProgress, "the provider accepted it (provider_order_id)");

    public static readonly Move Defer = new("defer", [Dispatching], Pending, "the provider refused for now: tried again after a backoff");

    public static readonly Move HoldAtProvider = new("hold_at_provider", [Dispatching], Held,
        "the provider runs an order for this link; released after a backoff");

    /// <summary>Failover (Decisions/Failover): at claim before sending, or after a route-level refusal recorded under the claim.</summary>
    public static readonly Move Reroute = new("reroute", [Pending, Dispatching], Pending,
        "its route cannot take it (provider disabled or paused, service gone or refused, the price guard, refusing for too long): " +
        "on to the service's next route (route_position), due at once; never after an add whose outcome is unknown");

    public static readonly Move ToReview = new("review", [Pending, Dispatching, InProgress], Review,
        "the engine cannot be sure what happened (an answer lost after sending), or cannot judge the order: a person decides");

    public static readonly Move Progress = new("progress", [InProgress], InProgress, "the provider's latest words, and the next check");

    /// <summary>Done by the trigger <see cref="ReleaseHeldTrigger"/> the moment the blocker finishes; ResolveConflicts is the safety net.</summary>
    public static readonly Move ReleaseHeld = new("release_held", [Held], Pending, "the order it waited for finished, or the provider's wait is over");

    /// <summary>release_order(id, 'retry') in SQL (the write API).</summary>
    public static readonly Move Retry = new("retry", [Review], Pending, "a person confirmed the provider never took it");

    /// <summary>
    /// release_order(id, 'retry') of an order with a provider order id, or a late accepted answer (for an order in review, or one
    /// waiting to be sent again after a lost answer).
    /// </summary>
    public static readonly Move Retrack = new("retrack", [Review, Pending], InProgress, "the provider has it: tracked again instead of sent again");

    /// <summary>
    /// An emulated drip-feed (services.dripfeed_mode): the parent is never sent itself; it runs its runs, child orders
    /// (orders.parent_id) created one at a time, the first with this move. Its status, remains and start count follow them.
    /// </summary>
    public static readonly Move StartRuns = new("start_runs", [Pending], InProgress,
        "an emulated drip-feed: never sent itself, its runs are child orders sent one at a time; run 1 is created with it");

    /// <summary>A parent's next run, created pending (one row per run number, ever: ux_orders_one_row_per_run); dispatch sends it.</summary>
    public static readonly Move CreateRun = new("create_run", [InProgress], InProgress,
        "an emulated drip-feed's next run is due: interval minutes after the previous run was accepted, once that run has ended");

    public static readonly Move RunsProgress = new("runs_progress", [InProgress], InProgress,
        "an emulated drip-feed's remains, start count and progress, aggregated from its runs, and when it is looked at next");

    /// <summary>fulfillment_finish_orders: the refund rule, the event and the notification in one place.</summary>
    public static readonly Move Finish = new("finish", [Pending, Held, Dispatching, InProgress, Review], "terminal",
        "delivered, delivered in part, refused, canceled or failed: refunded by the rule, exactly once");

    /// <summary>The trigger that releases the earliest held order when its blocker finishes (src/Fulfillment.Data/Sql/triggers/orders_release_held.sql).</summary>
    public const string ReleaseHeldTrigger = "orders_release_held";

    public static IReadOnlyList<Move> All { get; } =
        [Claim, Wait, HoldBehind, ReleaseUnsent, Accept, Defer, Reroute, HoldAtProvider, ToReview, Progress, ReleaseHeld, Retry, Retrack, StartRuns, CreateRun,
            RunsProgress, Finish];

    /// <summary>Whether some move takes an order from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public static bool Allows(string from, string to) =>
        All.Any(m => m.From.Contains(from) && (m.To == to || (m == Finish && IsTerminal(to))));

    /// <summary>The open states as SQL (<c>IN (...)</c>) and the terminal ones, from the constants.</summary>
    public static string TerminalSql { get; } = InList(Terminal);

    public static string InList(IEnumerable<string> states) => "(" + string.Join(", ", states.Select(s => $"'{s}'")) + ")";
}
