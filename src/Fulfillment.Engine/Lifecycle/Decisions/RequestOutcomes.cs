using Fulfillment.Data.Entities;
using Fulfillment.Providers;
using Fulfillment.Providers.Smm;
using Fulfillment.Providers.SmsActivate;
using static Fulfillment.Data.Entities.OrderRequestStatus;

namespace Fulfillment.Engine.Lifecycle.Decisions;

/// <summary>What to do with a pending request: write <paramref name="Update"/> (and finish the order), or send it to the provider.</summary>
public sealed record RequestDecision(RequestUpdate? Update, Finish? Finish = null)
{
    public static RequestDecision SendIt { get; } = new(Update: null);

    public bool Send => Update is null;
}

/// <summary>
/// Cancel and refill requests: what each state of the order, and each answer of the provider, means for
/// the request (pending → sent | done | rejected | failed; sent → done | rejected). A request is sent once:
/// one whose answer was lost, or that was marked and never recorded, is never sent again.
/// </summary>
public static class RequestOutcomes
{
    /// <summary>A pending cancel: done here for an order not yet sent (refunded), waiting while it is sent, refused, or to the provider.</summary>
    public static RequestDecision Cancel(ClaimedRequest r, DateTimeOffset now)
    {
        switch (r.OrderStatus)
        {
            case OrderStatus.Pending or OrderStatus.Held:
                return new(new(r.Id, Done, null, "Canceled before dispatch; refunded in full.", null),
                    new Finish(r.OrderId, OrderStatus.Canceled, null, "Canceled at the user's request before it was sent; refunded in full.",
                        new { request_id = r.Id }, Reason: UserReason.CanceledByUser));
            case OrderStatus.Dispatching:
                return new(new(r.Id, Pending, null, "Waiting: the order is being sent to the provider.", now + TimeSpan.FromSeconds(5)));
            // A rented number may be canceled until its code arrives, whatever the service's cancel flag (request_cancel checks the code);
            // a subscription of a blocked account (ToS 4.6), or of one that goes away, is asked to stop whatever it says, rather than deliver for weeks.
            case OrderStatus.InProgress when !r.ServiceCancel && r.Provider?.Kind != ProviderKind.SmsActivate && !(r.Subscription && r.AccountClosing):
                return new(new(r.Id, Rejected, null, "The order has started and its service does not allow cancel.", null));
            case OrderStatus.InProgress when r.Provider?.Endpoint is null || ProviderText.IdProblem(r.ProviderOrderId) is not null:
                return new(new(r.Id, Failed, null, "No provider order to cancel (missing provider, or a missing or unusable provider order id).", null));
            case OrderStatus.InProgress:
                return RequestDecision.SendIt;
            case OrderStatus.Canceled:
                return new(new(r.Id, Done, null, "The order was already canceled.", null));
            default:
                return new(new(r.Id, Rejected, null, $"The order is {r.OrderStatus}; it can no longer be canceled.", null));
        }
    }

    /// <summary>
    /// A sent cancel is settled by the order's own status: canceled there means done, finished means rejected. A
    /// subscription canceled after some of its posts ends partial: done as well, the unserved posts refunded.
    /// </summary>
    public static RequestUpdate FollowUpCancel(ClaimedRequest r, DateTimeOffset next) => r.OrderStatus switch
    {
        OrderStatus.Canceled or OrderStatus.Failed => new(r.Id, Done, null, "Canceled by the provider and refunded.", null),
        OrderStatus.Partial when r.Subscription => new(r.Id, Done, null, "The subscription ended at the provider; the unserved posts were refunded.", null),
        OrderStatus.Completed or OrderStatus.Partial => new(r.Id, Rejected, null, $"The provider finished the order ({r.OrderStatus}) before canceling it.", null),
        _ => new(r.Id, Sent, null, null, next),
    };

    /// <summary>A pending refill: only of a completed or partial order of a service that offers it, with a usable provider order.</summary>
    public static RequestDecision Refill(ClaimedRequest r)
    {
        if (!r.ServiceRefill)
        {
            return new(new(r.Id, Rejected, null, "The service does not offer refill.", null));
        }

        if (r.OrderStatus is not (OrderStatus.Completed or OrderStatus.Partial))
        {
            return new(new(r.Id, Rejected, null, $"The order is {r.OrderStatus}; only completed or partial orders can be refilled.", null));
        }

        return r.Provider?.Endpoint is null || ProviderText.IdProblem(r.ProviderOrderId) is not null
            ? new(new(r.Id, Failed, null, "No provider order to refill (missing provider, or a missing or unusable provider order id).", null))
            : RequestDecision.SendIt;
    }

    /// <summary>Marked as sending and never recorded (the engine stopped mid-call): never sent again.</summary>
    public static RequestUpdate MaybeSent(ClaimedRequest r, DateTimeOffset next) => r.Kind == OrderRequestKind.Cancel
        ? new(r.Id, Sent, null,
            "The engine stopped after sending this cancel and before recording the answer; it is not sent again. The order's status tells whether the provider canceled it.",
            next)
        : new(r.Id, Failed, null,
            "The engine stopped after sending this refill and before recording the answer; it is not sent again. Check the provider: it may be refilling.", null);

    public static RequestUpdate CancelAnswer(ClaimedRequest r, CancelOutcome? outcome, DateTimeOffset next) => outcome switch
    {
        CancelOutcome.Accepted => new(r.Id, Sent, null, "The provider accepted the cancel; the refund follows when it reports the order canceled.", next),
        CancelOutcome.Refused refused => new(r.Id, Rejected, null, $"The provider refused the cancel: {refused.Message}", null),
        CancelOutcome.Unknown unknown => LostCancel(r, unknown.Reason, next),
        _ => LostCancel(r, "no answer for this order", next),
    };

    /// <summary>A user's cancel of a rented number before its code (setStatus 8): refunded in full when the provider agrees.</summary>
    public static RequestDecision ActivationCancelAnswer(ClaimedRequest r, SetStatusOutcome outcome, DateTimeOffset retryAt, DateTimeOffset next) => outcome switch
    {
        SetStatusOutcome.Done => new(new(r.Id, Done, null, "Canceled at the provider; refunded in full.", null),
            new Finish(r.OrderId, OrderStatus.Canceled, null, "Canceled at the user's request before a code arrived; refunded in full.",
                new { request_id = r.Id }, Reason: UserReason.CanceledByUser)),
        // An explicit refusal: nothing was done, so it may be sent again later.
        SetStatusOutcome.EarlyCancelDenied => new(new(r.Id, Pending, null, "The provider refuses to cancel in the first minutes; trying again.", retryAt)),
        SetStatusOutcome.Refused refused => new(new(r.Id, Rejected, null, $"The provider refused the cancel: {refused.Message}", null)),
        SetStatusOutcome.Unknown unknown => new(LostCancel(r, unknown.Reason, next)),
        _ => throw new InvalidOperationException($"Unexpected setStatus outcome {outcome.GetType().Name}."),
    };

    public static RequestUpdate RefillAnswer(ClaimedRequest r, RefillOutcome outcome, DateTimeOffset next) => outcome switch
    {
        RefillOutcome.Accepted accepted => new(r.Id, Sent, accepted.RefillId, "The provider accepted the refill.", next),
        RefillOutcome.AcceptedUnusable unusable => new(r.Id, Failed, null,
            $"The provider accepted the refill, but {unusable.Reason}; it cannot be followed here, a person must check it at the provider.", null),
        RefillOutcome.Refused refused => new(r.Id, Rejected, null, $"The provider refused the refill: {refused.Message}", null),
        RefillOutcome.Unknown unknown => new(r.Id, Failed, null,
            $"The provider's answer to the refill was lost ({unknown.Reason}); it is not sent again. Check the provider: it may be refilling.", null),
        _ => throw new InvalidOperationException($"Unexpected refill outcome {outcome.GetType().Name}."),
    };

    /// <summary>A sent refill's status: completed is done, canceled or failed is rejected, anything else is asked again later.</summary>
    public static RequestUpdate RefillStatus(ClaimedRequest r, RefillStatusResult? status, DateTimeOffset next) => status?.State switch
    {
        ProviderOrderState.Completed => new(r.Id, Done, null, $"Refill completed ({status.RawStatus}).", null),
        ProviderOrderState.Canceled or ProviderOrderState.Failed or ProviderOrderState.Refunded =>
            new(r.Id, Rejected, null, $"The provider did not refill ({status.RawStatus ?? status.Error}).", null),
        _ => new(r.Id, Sent, null, status?.RawStatus is { } raw ? $"Refill status: {raw}." : null, next),
    };

    /// <summary>
    /// A cancel whose answer was lost may have been taken: never sent again, it is followed through the
    /// order's status instead (canceled there means done; finished means rejected).
    /// </summary>
    private static RequestUpdate LostCancel(ClaimedRequest r, string reason, DateTimeOffset next) => new(r.Id, Sent, null,
        $"The provider's answer to the cancel was lost ({reason}); it is not sent again. The order's status tells whether the provider canceled it.", next);
}
