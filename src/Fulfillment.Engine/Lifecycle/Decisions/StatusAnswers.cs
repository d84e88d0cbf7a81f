using Fulfillment.Data.Entities;
using Fulfillment.Engine.Configuration;
using Fulfillment.Providers.Smm;

namespace Fulfillment.Engine.Lifecycle.Decisions;

/// <summary>What a provider's status answer means for an order in progress.</summary>
public static class StatusAnswers
{
    /// <summary>
    /// Completed, partial (with remains), canceled, refunded or failed: finished, refunded by the rule, with the
    /// provider's words recorded on the order. Anything else is progress with the next check, a tenth of the
    /// order's age apart; an unknown word is never final. Partial without remains, an order still running
    /// after ReviewAfter, or one the provider has said it does not know UnknownOrderReviewAfter answers in a row: review as well.
    /// </summary>
    public static IReadOnlyList<OrderChange> Decide(TrackedOrder order, StatusResult? answer, TrackingOptions options, DateTimeOffset now)
    {
        if (order.Posts is { } posts)
        {
            return SubscriptionAnswers.Decide(order, posts, answer, options, now);
        }

        var age = now - order.DispatchedAt;
        // An order the provider has not started reports remains "0" on many panels: that is not a delivery figure.
        var delivery = answer?.DeliveryRemains;
        var detail = new { provider_status = answer?.RawStatus, remains = delivery, start_count = answer?.StartCount };
        var state = answer?.State ?? ProviderOrderState.Unknown;
        // A finish records the provider's words on the order itself, so a finishing order is written once.
        var (charge, currency) = Cost(answer);
        OrderChange End(string status, long? remains, string? error) =>
            new OrderChange.Finished(new Finish(order.Id, status, remains, error, detail, answer!.RawStatus, answer.StartCount,
                ProviderCharge: charge, ProviderCurrency: currency));
        switch (state)
        {
            case ProviderOrderState.Completed:
                return [End(OrderStatus.Completed, answer!.Remains, null)];
            case ProviderOrderState.Partial when answer!.Remains is { } remains:
                return [End(OrderStatus.Partial, remains, null)];
            case ProviderOrderState.Canceled or ProviderOrderState.Refunded:
                return [End(OrderStatus.Canceled, answer!.Remains, $"The provider canceled the order ({answer.RawStatus}); refunded in full.")];
            case ProviderOrderState.Failed:
                return [End(OrderStatus.Failed, answer!.Remains, $"The provider reported the order as failed ({answer.RawStatus}); refunded in full.")];
        }

        var unknown = UnknownAnswers(order, answer);
        List<OrderChange> changes =
            [new OrderChange.Progressed(order.Id, answer?.RawStatus, answer?.StartCount, delivery, now + NextInterval(age, options), answer?.Error,
                ProviderCharge: charge, ProviderCurrency: currency, UnknownAnswers: unknown)];
        if (UnknownToProvider(order, answer, unknown, options) is { } unknownThere)
        {
            changes.Add(unknownThere);
        }
        else if (state == ProviderOrderState.Partial)
        {
            changes.Add(new OrderChange.ToReview(order.Id, OrderStatus.InProgress,
                "The provider reports the order as Partial without saying how much remains; a person must decide the refund."));
        }
        else if (age >= options.ReviewAfter)
        {
            changes.Add(new OrderChange.ToReview(order.Id, OrderStatus.InProgress,
                $"Still in progress at the provider {age.TotalDays:0} days after dispatch (last status: {answer?.RawStatus ?? answer?.Error ?? "none"})."));
        }

        return changes;
    }

    /// <summary>
    /// The answers in a row in which the provider said it does not know the order: one more for such an answer, 0 for an answer
    /// about the order (any status word), unchanged (null) for anything else: another error, an id left out of the answer.
    /// </summary>
    public static int? UnknownAnswers(TrackedOrder order, StatusResult? answer) =>
        answer is { OrderUnknown: true } ? order.UnknownAnswers + 1 : answer?.RawStatus is not null ? 0 : null;

    /// <summary>
    /// Review, with the provider's words, once it has said it does not know the order <see cref="TrackingOptions.UnknownOrderReviewAfter"/>
    /// answers in a row: it accepted the order under that id, so a person must find out what became of it. Null before.
    /// </summary>
    public static OrderChange.ToReview? UnknownToProvider(TrackedOrder order, StatusResult? answer, int? unknownAnswers, TrackingOptions options) =>
        answer is { OrderUnknown: true } && unknownAnswers >= options.UnknownOrderReviewAfter
            ? new OrderChange.ToReview(order.Id, OrderStatus.InProgress,
                $"Provider {order.Provider?.Name ?? "(deleted)"} says it does not know this order ({answer.Error}), {unknownAnswers} answers in a row, " +
                $"although it accepted it as order {order.ProviderOrderId}. Check it there, then settle it by hand: release_order(id, 'refund') if it was " +
                "not delivered, or release_order(id, 'retry') to track it again; never send it again, that could deliver it twice.")
            : null;

    /// <summary>
    /// A status call that failed: asked again soon, unless the provider has been failing every call for
    /// <see cref="TrackingOptions.UnreachableReviewAfter"/> while the order was there; then a person must look.
    /// </summary>
    /// <param name="unreachableSince">Since when the provider has failed every call, if it has.</param>
    public static OrderChange Unanswered(TrackedOrder order, string providerName, string error, DateTimeOffset? unreachableSince, TrackingOptions options,
        DateTimeOffset now)
    {
        var since = unreachableSince is { } s && s > order.DispatchedAt ? s : order.DispatchedAt;
        if (unreachableSince is not null && now - since >= options.UnreachableReviewAfter)
        {
            // The provider accepted this order and may still deliver it: sending it again would be a second order.
            return new OrderChange.ToReview(order.Id, OrderStatus.InProgress,
                $"Provider {providerName} has failed every status call since {unreachableSince:u} ({error}); " +
                $"this order's status is unknown for {(now - since).TotalHours:0} hours. The provider has the order: check it there, then settle it " +
                "by hand (release_order(id, 'refund') only if the provider did not deliver it); never retry it, that would send it twice.");
        }

        return new OrderChange.Progressed(order.Id, null, null, null, now + options.MinInterval, error);
    }

    /// <summary>Above this a charge is not a price (numeric(20,6) holds less than 10^14): an absurd figure is dropped, never stored.</summary>
    public const decimal MaxCharge = 1_000_000_000_000m;

    /// <summary>
    /// What the provider says it charged for the order, made storable: negative, absurdly large or missing is unknown
    /// (null), and six decimals at most (the money columns'); the currency as the client cleaned it, upper-cased.
    /// An absurd number in one answer must not fail the write of everyone's answers.
    /// </summary>
    public static (decimal? Charge, string? Currency) Cost(StatusResult? answer)
    {
        var charge = answer?.Charge is { } c && c >= 0 && c < MaxCharge ? decimal.Round(c, 6, MidpointRounding.AwayFromZero) : (decimal?)null;
        var currency = answer?.Currency?.Trim() is { Length: > 0 and <= 16 } text ? text.ToUpperInvariant() : null;
        return (charge, charge is null ? null : currency);
    }

    /// <summary>A tenth of the order's age, within bounds: young orders often, long ones rarely.</summary>
    public static TimeSpan NextInterval(TimeSpan age, TrackingOptions options) => NextInterval(age, options.MinInterval, options.MaxInterval);

    /// <inheritdoc cref="NextInterval(TimeSpan, TrackingOptions)"/>
    public static TimeSpan NextInterval(TimeSpan age, TimeSpan min, TimeSpan max)
    {
        var interval = age / 10;
        return interval < min ? min : interval > max ? max : interval;
    }
}
