namespace Fulfillment.Simulator;

/// <summary>
/// An order at the simulated provider. Its whole future is drawn when it is accepted, so its state at any
/// instant is a pure function of the clock: no timers, no background work, no locks when reading.
/// </summary>
public sealed class SimulatedOrder
{
    private long canceledAtTicks = long.MinValue;

    public required long Id { get; init; }

    public required SimulatedService Service { get; init; }

    public required string Link { get; init; }

    public required int Quantity { get; init; }

    public required decimal Charge { get; init; }

    public required long StartCount { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset StartsAt { get; init; }

    public required DateTimeOffset ProcessingAt { get; init; }

    public required DateTimeOffset EndsAt { get; init; }

    /// <summary>Completed, Partial or Canceled.</summary>
    public required SimulatedOrderState Final { get; init; }

    /// <summary>How many are delivered at the end; above <see cref="Quantity"/> on over-delivery.</summary>
    public required long DeliveredAtEnd { get; init; }

    /// <summary>Set for a subscription, whose life follows the account's posts instead of the times above.</summary>
    public SimulatedSubscription? Subscription { get; init; }

    public DateTimeOffset? CanceledAt =>
        Interlocked.Read(ref canceledAtTicks) is var t && t == long.MinValue ? null : new DateTimeOffset(t, TimeSpan.Zero);

    /// <summary>A cancel request took effect at <paramref name="now"/>; false if it had already been canceled.</summary>
    public bool TryCancel(DateTimeOffset now) =>
        Interlocked.CompareExchange(ref canceledAtTicks, now.UtcTicks, long.MinValue) == long.MinValue;

    public SimulatedOrderState StateAt(DateTimeOffset now)
    {
        if (Subscription is { } subscription)
            return SubscriptionStateAt(subscription, now);
        if (CanceledAt is { } canceled && now >= canceled)
            return SimulatedOrderState.Canceled;
        if (now < StartsAt)
            return SimulatedOrderState.Pending;
        if (now < ProcessingAt)
            return SimulatedOrderState.InProgress;
        return now < EndsAt ? SimulatedOrderState.Processing : Final;
    }

    public bool IsActiveAt(DateTimeOffset now) => StateAt(now) is SimulatedOrderState.Pending or SimulatedOrderState.InProgress or SimulatedOrderState.Processing
        or SimulatedOrderState.Active or SimulatedOrderState.Paused;

    /// <summary>A subscription's posts served at <paramref name="now"/>: counted up to its end, a cancel included.</summary>
    public int PostsServedAt(DateTimeOffset now) => Subscription is { } subscription
        ? subscription.ServedAt(CreatedAt, SubscriptionEnd(subscription) is { } end && end.At < now ? end.At : now)
        : 0;

    private SimulatedOrderState SubscriptionStateAt(SimulatedSubscription subscription, DateTimeOffset now) =>
        SubscriptionEnd(subscription) is { } end && now >= end.At ? end.How
        : subscription.IsPausedAt(now) ? SimulatedOrderState.Paused
        : SimulatedOrderState.Active;

    /// <summary>The earlier of the subscription's own end and a cancel.</summary>
    private (DateTimeOffset At, SimulatedOrderState How)? SubscriptionEnd(SimulatedSubscription subscription)
    {
        var own = subscription.EndsBySelf(CreatedAt);
        return CanceledAt is { } canceled && (own is null || canceled < own.Value.At) ? (canceled, SimulatedOrderState.Canceled) : own;
    }

    /// <summary>Quantity minus delivered; negative on over-delivery, the full quantity when canceled before starting.</summary>
    public long RemainsAt(DateTimeOffset now)
    {
        var at = CanceledAt is { } canceled && now >= canceled ? canceled : now;
        if (at < StartsAt || (Final == SimulatedOrderState.Canceled && at >= EndsAt))
            return Quantity;
        if (at >= EndsAt)
            return Quantity - DeliveredAtEnd;

        // Delivery grows linearly from StartsAt to EndsAt.
        var progress = (at - StartsAt).Ticks / (double)Math.Max(1, (EndsAt - StartsAt).Ticks);
        return Quantity - (long)(DeliveredAtEnd * progress);
    }
}
