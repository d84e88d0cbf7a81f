namespace Fulfillment.Engine.Lifecycle;

/// <summary>
/// What a decision says should happen to one order: a move of <see cref="OrderLifecycle"/> with what it
/// writes. Decisions return these; <see cref="OrderWriter"/> applies them as sets.
/// </summary>
public abstract record OrderChange(long OrderId)
{
    /// <summary>The edge of the lifecycle this change is.</summary>
    public abstract OrderLifecycle.Move Move { get; }

    /// <summary>The state the order must still be in for the change to apply (the writer's guard).</summary>
    public virtual string From => Move.From[0];

    /// <summary>The provider accepted the order.</summary>
    /// <param name="ResultJson">What orders.result starts as (an activation's rented phone), or null.</param>
    public sealed record Accepted(long OrderId, string ProviderOrderId, DateTimeOffset NextCheckAt, string? ResultJson = null) : OrderChange(OrderId)
    {
        public override OrderLifecycle.Move Move => OrderLifecycle.Accept;
    }

    /// <summary>A terminal outcome, refunded by the rule (fulfillment_finish_orders).</summary>
    public sealed record Finished(Finish Finish) : OrderChange(Finish.OrderId)
    {
        public override OrderLifecycle.Move Move => OrderLifecycle.Finish;
    }

    /// <summary>Claimed for dispatch by <paramref name="Instance"/> on the route at <paramref name="RoutePosition"/>; its link key stored.</summary>
    public sealed record Claimed(long OrderId, Guid Instance, long? ProviderId, int RoutePosition, string? LinkKey) : OrderChange(OrderId)
    {
        public override OrderLifecycle.Move Move => OrderLifecycle.Claim;
    }

    /// <summary>Refused for now (or its answer lost, and sent again as configured): back to pending until <paramref name="Until"/>.</summary>
    public sealed record Deferred(long OrderId, DateTimeOffset Until, string Reason) : OrderChange(OrderId)
    {
        public override OrderLifecycle.Move Move => OrderLifecycle.Defer;
    }

    /// <summary>On to another route of its service (failover): pending, due at once, the event naming both routes.</summary>
    /// <param name="Leaving">pending (a move at claim) or dispatching (after a route-level refusal).</param>
    public sealed record Rerouted(long OrderId, string Leaving, Route FromRoute, Route ToRoute, string Reason) : OrderChange(OrderId)
    {
        public override OrderLifecycle.Move Move => OrderLifecycle.Reroute;

        public override string From => Leaving;
    }

    /// <summary>The provider's own same-link refusal: held, released by ResolveConflicts after <paramref name="Until"/>.</summary>
    public sealed record HeldAtProvider(long OrderId, DateTimeOffset Until, string Reason) : OrderChange(OrderId)
    {
        public override OrderLifecycle.Move Move => OrderLifecycle.HoldAtProvider;
    }

    /// <summary>Behind <paramref name="Blocker"/>, an active order on the same target.</summary>
    public sealed record HeldBehind(long OrderId, long Blocker, string Reason) : OrderChange(OrderId)
    {
        public override OrderLifecycle.Move Move => OrderLifecycle.HoldBehind;
    }

    /// <summary>Not now (its provider is paused): stays pending until <paramref name="Until"/>.</summary>
    public sealed record Waiting(long OrderId, DateTimeOffset Until, string Reason) : OrderChange(OrderId)
    {
        public override OrderLifecycle.Move Move => OrderLifecycle.Wait;
    }

    /// <summary>A person decides: the reason is on the order and in its events.</summary>
    /// <param name="Leaving">The state it leaves: pending, dispatching or in_progress.</param>
    /// <param name="ProviderHasIt">The provider accepted it (with an id the engine cannot use): release_order refuses to send it again.</param>
    public sealed record ToReview(long OrderId, string Leaving, string Reason, bool ProviderHasIt = false) : OrderChange(OrderId)
    {
        public override OrderLifecycle.Move Move => OrderLifecycle.ToReview;

        public override string From => Leaving;
    }

    /// <summary>The provider's latest words about an order in progress (verbatim), and its next check.</summary>
    /// <param name="PostsServed">A subscription's posts served so far: the count on the order never goes down.</param>
    /// <param name="ProviderCharge">What the provider says it charged (its status answer's charge, made sane), in <paramref name="ProviderCurrency"/>.</param>
    /// <param name="UnknownAnswers">The answers in a row in which the provider said it does not know the order; null leaves the count as it is.</param>
    public sealed record Progressed(long OrderId, string? ProviderStatus, long? StartCount, long? Remains, DateTimeOffset NextCheckAt, string? Error,
        string? ResultJson = null, int? PostsServed = null, decimal? ProviderCharge = null, string? ProviderCurrency = null, int? UnknownAnswers = null)
        : OrderChange(OrderId)
    {
        public override OrderLifecycle.Move Move => OrderLifecycle.Progress;
    }

    /// <summary>A late answer: the provider accepted an order already in review, so it is tracked again instead of waiting for a person.</summary>
    public sealed record Retracked(long OrderId, string ProviderOrderId, DateTimeOffset NextCheckAt, string? ResultJson = null) : OrderChange(OrderId)
    {
        public override OrderLifecycle.Move Move => OrderLifecycle.Retrack;
    }

    /// <summary>Claimed and provably never sent (no attempt sending): back to pending, the claim undone.</summary>
    /// <param name="Instance">Only if this instance still holds the claim; null for recovery of a stopped engine's claims.</param>
    public sealed record ReleasedUnsent(long OrderId, Guid? Instance, string Reason) : OrderChange(OrderId)
    {
        public override OrderLifecycle.Move Move => OrderLifecycle.ReleaseUnsent;
    }

    /// <summary>An emulated drip-feed starts: never sent itself (nor holding its link), it runs <paramref name="Runs"/> runs; run 1 is created with it.</summary>
    public sealed record RunsStarted(long OrderId, int Runs) : OrderChange(OrderId)
    {
        public override OrderLifecycle.Move Move => OrderLifecycle.StartRuns;
    }

    /// <summary>Run <paramref name="RunNumber"/> of the emulated drip-feed <paramref name="OrderId"/> is created, pending; created at most once.</summary>
    public sealed record RunCreated(long OrderId, int RunNumber) : OrderChange(OrderId)
    {
        public override OrderLifecycle.Move Move => OrderLifecycle.CreateRun;
    }

    /// <summary>An emulated drip-feed's progress, aggregated from its runs (orders.result carries <paramref name="ProgressJson"/>), and its next look.</summary>
    public sealed record RunsProgressed(long OrderId, long Remains, long? StartCount, DateTimeOffset NextLookAt, string? Error, string ProgressJson)
        : OrderChange(OrderId)
    {
        public override OrderLifecycle.Move Move => OrderLifecycle.RunsProgress;
    }

    /// <summary>Sanity: a decision may only ask for an edge the lifecycle has.</summary>
    public static void EnsureAllowed(OrderChange change)
    {
        if (!change.Move.From.Contains(change.From))
        {
            throw new InvalidOperationException($"Order {change.OrderId}: the lifecycle has no move '{change.Move.Name}' from {change.From}.");
        }
    }

    /// <summary>The change in words, for events and for a person reading an order put aside.</summary>
    public static string Describe(OrderChange change) => change switch
    {
        Accepted a => $"accepted by the provider as order {Database.RowByRow.Printable(a.ProviderOrderId, 100)}",
        Retracked a => $"accepted by the provider as order {Database.RowByRow.Printable(a.ProviderOrderId, 100)}; tracked again",
        Claimed c => $"claimed on route {c.RoutePosition}",
        Finished f => $"{f.Finish.Status}: {Database.RowByRow.Printable(f.Finish.Error, 300)}",
        Deferred d => $"refused for now: {Database.RowByRow.Printable(d.Reason, 300)}",
        Rerouted r => $"rerouted from route {r.FromRoute.Position} to route {r.ToRoute.Position}: {Database.RowByRow.Printable(r.Reason, 300)}",
        HeldAtProvider h => $"held: {Database.RowByRow.Printable(h.Reason, 300)}",
        HeldBehind h => $"held behind order {h.Blocker}",
        Waiting w => $"waiting: {Database.RowByRow.Printable(w.Reason, 300)}",
        ToReview r => $"review: {Database.RowByRow.Printable(r.Reason, 300)}",
        ReleasedUnsent r => $"released, never sent: {r.Reason}",
        Progressed p => $"{Database.RowByRow.Printable(p.ProviderStatus ?? p.Error, 100)}, remains {p.Remains}",
        RunsStarted s => $"drip-feed of {s.Runs} runs started by the engine",
        RunCreated c => $"run {c.RunNumber} created",
        RunsProgressed p => $"runs aggregated, remains {p.Remains}",
        _ => change.GetType().Name,
    };
}
