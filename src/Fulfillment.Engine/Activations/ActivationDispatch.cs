using System.Text.Json;
using Fulfillment.Engine.Dispatch;
using Fulfillment.Engine.Orders;
using Fulfillment.Providers.Smm;
using Fulfillment.Providers.SmsActivate;
using Microsoft.Extensions.Options;

namespace Fulfillment.Engine.Activations;

/// <summary>
/// What a getNumber answer means for the order: a rented number starts tracking (phone in
/// <c>orders.result</c>, activation id in <c>provider_order_id</c>); NO_NUMBERS and other temporary
/// refusals wait and try again, failing with a refund after GiveUpAfter; a lost answer goes to review,
/// so a number is never rented twice for one order.
/// </summary>
public sealed class ActivationDispatch(IOptions<DispatchOptions> dispatch, IOptions<ActivationOptions> options, TimeProvider clock)
{
    public DispatchResult Interpret(ClaimedOrder order, string providerName, NumberOutcome outcome)
    {
        var now = clock.GetUtcNow();
        switch (outcome)
        {
            case NumberOutcome.Rented rented:
                return new DispatchResult.Accepted(order.Id, rented.ActivationId, now + options.Value.CheckInterval,
                    JsonSerializer.Serialize(new { phone = rented.Phone, rented_at = now, codes = Array.Empty<object>() }));
            case NumberOutcome.RentedUnusable unusable:
                return new DispatchResult.Review(order.Id,
                    $"Provider {providerName} rented a number for this order, but {unusable.Reason}; it cannot be followed or canceled here. " +
                    "The provider has the rent (it cancels and refunds an unused number when its lifetime ends): check it there and settle it " +
                    "by hand (release_order(id, 'refund')); never retry it, that would rent a second number.");
            case NumberOutcome.Refused { Kind: RefusalKind.Permanent } refused:
                return new DispatchResult.Finished(new Finish(order.Id, "failed", null,
                    $"Refused by provider {providerName}: {refused.Message}", new { stage = "getNumber", reason = refused.Reason.ToString() },
                    Reason: UserReason.ServiceUnavailable));
            case NumberOutcome.Refused refused when now - order.CreatedAt >= dispatch.Value.GiveUpAfter:
                return new DispatchResult.Finished(new Finish(order.Id, "failed", null,
                    $"Provider {providerName} had no number for {dispatch.Value.GiveUpAfter.TotalHours:0.#} hours (last: {refused.Message}); refunded.",
                    new { stage = "getNumber", reason = refused.Reason.ToString() },
                    Reason: UserReason.ServiceUnavailable));
            case NumberOutcome.Refused refused:
                var wait = dispatch.Value.RetryBackoffMin * Math.Min(1 << Math.Min(order.Attempts, 10), 64);
                return new DispatchResult.Retry(order.Id, now + (wait > dispatch.Value.RetryBackoffMax ? dispatch.Value.RetryBackoffMax : wait),
                    $"Waiting to retry: provider {providerName} refused for now ({refused.Message}).");
            case NumberOutcome.Unknown unknown:
                return new DispatchResult.Review(order.Id,
                    $"The answer of provider {providerName} to getNumber was lost ({unknown.Reason}); a number may have been rented. " +
                    "Check the provider, then call release_order(id, 'retry') if no number was rented, or release_order(id, 'refund').");
            default:
                throw new InvalidOperationException($"Unexpected getNumber outcome {outcome.GetType().Name}.");
        }
    }
}
