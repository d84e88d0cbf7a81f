using System.Text.Json;
using Fulfillment.Data.Entities;
using Fulfillment.Engine.Configuration;
using Fulfillment.Providers.Smm;
using Fulfillment.Providers.SmsActivate;

namespace Fulfillment.Engine.Lifecycle.Decisions;

/// <summary>What an add (or, for an SMS activation, a getNumber) answer means for the order that was sent.</summary>
/// <param name="AllowResendOnUnknown">The provider's opt-in to send again after a lost answer (the risk of a double order).</param>
public sealed record AddSettings(DispatchOptions Dispatch, TimeSpan FirstCheckAfter, TimeSpan ActivationCheckInterval, bool AllowResendOnUnknown);

public static class AddOutcomes
{
    /// <summary>
    /// Accepted: tracked. Accepted with an id the engine cannot use: review, never sent again. Refused for
    /// good: failed and refunded. Refused for now: tried again after a backoff (held, for the provider's
    /// same-link refusal), failed and refunded after GiveUpAfter. Lost: review, unless the provider is
    /// configured to be sent again (then only to that attempt's provider). An order a provider may already hold (an earlier
    /// lost answer, <see cref="ClaimedOrder.Pin"/>) is never failed here: what would fail it puts it in review. A refusal that belongs to the route moves the order to
    /// the service's next route when there is one (<see cref="Failover"/>, whose table says which).
    /// </summary>
    /// <param name="order">The order as sent: its route is the one the add went to.</param>
    public static OrderChange ForAdd(ClaimedOrder order, string providerName, AddOutcome outcome, AddSettings settings, DateTimeOffset now)
    {
        var retryAt = now + Backoff.After(order.Attempts + 1, settings.Dispatch.RetryBackoffMin, settings.Dispatch.RetryBackoffMax);
        var givenUp = now - order.CreatedAt >= settings.Dispatch.GiveUpAfter;
        if (Failover.RouteLevel(outcome, order, settings.Dispatch, now) is { } why && Failover.Next(order, why, settings.Dispatch, now) is { } move)
        {
            return move;
        }

        var change = Decide(order, providerName, outcome, settings, now, retryAt, givenUp);
        return order.Pin is { } pin && change is OrderChange.Finished failed ? PinnedReview(order, pin, failed) : change;
    }

    private static OrderChange Decide(ClaimedOrder order, string providerName, AddOutcome outcome, AddSettings settings, DateTimeOffset now,
        DateTimeOffset retryAt, bool givenUp)
    {
        switch (outcome)
        {
            case AddOutcome.Accepted accepted:
                return new OrderChange.Accepted(order.Id, accepted.ProviderOrderId, now + settings.FirstCheckAfter);

            case AddOutcome.AcceptedUnusable unusable:
                // Not Unknown: AllowResendOnUnknown must not resend an order the provider is known to run.
                return new OrderChange.ToReview(order.Id, OrderStatus.Dispatching,
                    $"Provider {providerName} accepted this order, but {unusable.Reason}; it cannot be tracked, refilled or canceled here. " +
                    "The provider has the order: follow it there and settle it by hand (release_order(id, 'refund') only if the provider " +
                    "does not deliver it); never retry it, that would send it twice.", ProviderHasIt: true);

            case AddOutcome.Refused { Kind: RefusalKind.Permanent } refused:
                return new OrderChange.Finished(new Finish(order.Id, OrderStatus.Failed, null,
                    $"Refused by provider {providerName}: {refused.Message}", new { stage = "add", reason = refused.Reason.ToString() },
                    Reason: refused.Reason is RefusalReason.BadLink or RefusalReason.QuantityOutOfRange ? UserReason.InvalidOrder : UserReason.ServiceUnavailable));

            case AddOutcome.Refused refused when givenUp:
                return new OrderChange.Finished(new Finish(order.Id, OrderStatus.Failed, null,
                    $"Provider {providerName} kept refusing the order for {settings.Dispatch.GiveUpAfter.TotalHours:0.#} hours (last: {refused.Message}); refunded.",
                    new { stage = "add", reason = refused.Reason.ToString() }, Reason: UserReason.ServiceUnavailable));

            case AddOutcome.Refused { Reason: RefusalReason.DuplicateLink } refused:
                // Held, not failed: the provider runs an order for this target that we may not know about.
                return new OrderChange.HeldAtProvider(order.Id, retryAt,
                    $"Held: provider {providerName} reports an active order for this link ({refused.Message}).");

            case AddOutcome.Refused refused:
                return new OrderChange.Deferred(order.Id, retryAt, $"Waiting to retry: provider {providerName} refused for now ({refused.Message}).");

            case AddOutcome.Unknown { Redirected: false } unknown when settings.AllowResendOnUnknown:
                // The provider may have it: its attempt, unknown, sends it nowhere else from here on.
                return new OrderChange.Deferred(order.Id, retryAt, $"Answer lost ({unknown.Reason}); resending, as configured for provider {providerName}.");

            case AddOutcome.Unknown unknown:
                return new OrderChange.ToReview(order.Id, OrderStatus.Dispatching,
                    $"The answer of provider {providerName} was lost ({unknown.Reason}); it may have accepted the order. " +
                    "Check the provider for an order on this link, then call release_order(id, 'retry') if it is not there, or release_order(id, 'refund').");

            default:
                throw new InvalidOperationException($"Unexpected add outcome {outcome.GetType().Name}.");
        }
    }

    /// <summary>What would fail a pinned order puts it in review: the provider of its lost answer may run it.</summary>
    private static OrderChange.ToReview PinnedReview(ClaimedOrder order, AttemptPin pin, OrderChange.Finished instead) =>
        new(order.Id, OrderStatus.Dispatching,
            $"{instead.Finish.Error} The answer to an earlier attempt ({pin.AttemptId}) to this provider was lost, so it may run the order all the same: " +
            "it is not refunded. Check the provider, then call release_order(id, 'retry') if it does not have the order, or release_order(id, 'refund').");

    /// <summary>
    /// A rented number starts tracking (phone in orders.result, activation id as provider_order_id); NO_NUMBERS
    /// and other temporary refusals wait and try again, failing with a refund after GiveUpAfter; a lost
    /// answer goes to review, so a number is never rented twice for one order.
    /// </summary>
    public static OrderChange ForRent(ClaimedOrder order, string providerName, NumberOutcome outcome, AddSettings settings, DateTimeOffset now)
    {
        var dispatch = settings.Dispatch;
        if (Failover.RouteLevel(outcome, order, dispatch, now) is { } why && Failover.Next(order, why, dispatch, now) is { } move)
        {
            return move;
        }

        switch (outcome)
        {
            case NumberOutcome.Rented rented:
                return new OrderChange.Accepted(order.Id, rented.ActivationId, now + settings.ActivationCheckInterval,
                    JsonSerializer.Serialize(new { phone = rented.Phone, rented_at = now, codes = Array.Empty<object>() }));
            case NumberOutcome.RentedUnusable unusable:
                return new OrderChange.ToReview(order.Id, OrderStatus.Dispatching,
                    $"Provider {providerName} rented a number for this order, but {unusable.Reason}; it cannot be followed or canceled here. " +
                    "The provider has the rent (it cancels and refunds an unused number when its lifetime ends): check it there and settle it " +
                    "by hand (release_order(id, 'refund')); never retry it, that would rent a second number.", ProviderHasIt: true);
            case NumberOutcome.Refused { Kind: RefusalKind.Permanent } refused:
                return new OrderChange.Finished(new Finish(order.Id, OrderStatus.Failed, null,
                    $"Refused by provider {providerName}: {refused.Message}", new { stage = "getNumber", reason = refused.Reason.ToString() },
                    Reason: UserReason.ServiceUnavailable));
            case NumberOutcome.Refused refused when now - order.CreatedAt >= dispatch.GiveUpAfter:
                return new OrderChange.Finished(new Finish(order.Id, OrderStatus.Failed, null,
                    $"Provider {providerName} had no number for {dispatch.GiveUpAfter.TotalHours:0.#} hours (last: {refused.Message}); refunded.",
                    new { stage = "getNumber", reason = refused.Reason.ToString() }, Reason: UserReason.ServiceUnavailable));
            case NumberOutcome.Refused refused:
                return new OrderChange.Deferred(order.Id, now + Backoff.After(order.Attempts + 1, dispatch.RetryBackoffMin, dispatch.RetryBackoffMax),
                    $"Waiting to retry: provider {providerName} refused for now ({refused.Message}).");
            case NumberOutcome.Unknown unknown:
                return new OrderChange.ToReview(order.Id, OrderStatus.Dispatching,
                    $"The answer of provider {providerName} to getNumber was lost ({unknown.Reason}); a number may have been rented. " +
                    "Check the provider, then call release_order(id, 'retry') if no number was rented, or release_order(id, 'refund').");
            default:
                throw new InvalidOperationException($"Unexpected getNumber outcome {outcome.GetType().Name}.");
        }
    }
}
