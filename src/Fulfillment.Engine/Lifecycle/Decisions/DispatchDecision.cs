using Fulfillment.Data.Entities;
using Fulfillment.Providers;
using Fulfillment.Providers.Smm;

namespace Fulfillment.Engine.Lifecycle.Decisions;

/// <summary>What the pre-send checks decided for a claimed order.</summary>
public abstract record DispatchDecision
{
    private DispatchDecision() { }

    /// <summary>The route a send or rent goes out on (or a wait waits on).</summary>
    public Route? Route { get; init; }

    /// <summary>The move from the order's route to <see cref="Route"/>, made in the claim's transaction; null when it stays.</summary>
    public Failover.Reroute? Move { get; init; }

    public sealed record Send(ProviderEndpoint Provider, AddOrderRequest Request) : DispatchDecision;

    /// <summary>An SMS activation: rent a number for <paramref name="ServiceCode"/> in <paramref name="Country"/>.</summary>
    public sealed record Rent(ProviderEndpoint Provider, string ServiceCode, string Country) : DispatchDecision;

    /// <summary>The order cannot be sent as it is: failed, refunded, with a sentence a person can act on.</summary>
    /// <param name="Reason">What the user is told (<see cref="UserReason"/>).</param>
    public sealed record Fail(string Error, string Reason = UserReason.InvalidOrder) : DispatchDecision;

    /// <summary>The user asked to cancel, or the account is blocked: canceled, refunded (then forfeited per policy).</summary>
    public sealed record Cancel(string Error, string Reason) : DispatchDecision;

    /// <summary>The order cannot be judged (its row holds what the checks did not foresee): to review, for a person.</summary>
    public sealed record Review(string Reason) : DispatchDecision;

    /// <summary>An emulated drip-feed: never sent itself; it starts its <paramref name="Runs"/> runs (services.dripfeed_mode).</summary>
    public sealed record Emulate(int Runs) : DispatchDecision;

    /// <summary>Not now (the provider is paused): back to pending until <paramref name="Until"/>.</summary>
    public sealed record Wait(DateTimeOffset Until, string Reason) : DispatchDecision;

    /// <summary>The transition a decision not to send is (null for one to send).</summary>
    /// <summary>The move to write before the claim (or the wait), if the decision made one.</summary>
    public OrderChange.Rerouted? Rerouted(long orderId) =>
        Move is { } m && this is Send or Rent or Wait ? new OrderChange.Rerouted(orderId, OrderStatus.Pending, m.From, m.To, m.Reason) : null;

    public OrderChange? ToChange(long orderId) => this switch
    {
        Fail fail => new OrderChange.Finished(new Finish(orderId, OrderStatus.Failed, null, fail.Error, new { stage = "checks" }, Reason: fail.Reason)),
        Cancel cancel => new OrderChange.Finished(new Finish(orderId, OrderStatus.Canceled, null, cancel.Error, new { stage = "checks" }, Reason: cancel.Reason)),
        Wait wait => new OrderChange.Waiting(orderId, wait.Until, wait.Reason),
        Review review => new OrderChange.ToReview(orderId, OrderStatus.Pending, review.Reason),
        Emulate emulate => new OrderChange.RunsStarted(orderId, emulate.Runs),
        _ => null,
    };
}
