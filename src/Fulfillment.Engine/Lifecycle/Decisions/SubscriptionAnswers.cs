using System.Text.Json;
using Fulfillment.Data.Entities;
using Fulfillment.Engine.Configuration;
using Fulfillment.Providers.Smm;

namespace Fulfillment.Engine.Lifecycle.Decisions;

/// <summary>
/// What a provider's status answer means for a subscription in progress (docs/domain.md: Active, Paused, Completed,
/// Expired, Canceled, with the posts served and the child orders). Its posts served and child orders are recorded
/// on the order (<c>orders.result</c>, <c>orders.posts_served</c>) on every answer. It ends when the provider says
/// it ended: completed refunds nothing; any other end refunds the unserved posts' share
/// (<c>fulfillment_subscription_refund</c>, from the count recorded with the finish). Active, Paused, the order
/// words and an unknown word are progress, never final; the checks are spaced for a long life.
/// </summary>
public static class SubscriptionAnswers
{
    /// <summary>The subscription's state as the panel reads it in <c>orders.result.state</c>.</summary>
    public const string Active = "active";
    public const string Paused = "paused";
    public const string Completed = "completed";
    public const string Expired = "expired";
    public const string Canceled = "canceled";
    public const string Failed = "failed";

    /// <param name="posts">The posts the subscription was charged for (orders.charged_posts).</param>
    public static IReadOnlyList<OrderChange> Decide(TrackedOrder order, int posts, StatusResult? answer, TrackingOptions options, DateTimeOffset now)
    {
        var state = answer?.State ?? ProviderOrderState.Unknown;
        var served = Served(order, posts, answer);
        var result = Result(order.ResultJson, posts, served, answer, state);
        var detail = new { provider_status = answer?.RawStatus, posts, posts_served = served };
        var (charge, currency) = StatusAnswers.Cost(answer);

        // Ended at the provider: the served posts are recorded with the finish, which refunds by them.
        OrderChange End(string status, string? error, string? reason = null) => new OrderChange.Finished(
            new Finish(order.Id, status, answer!.Remains, error, detail, answer.RawStatus, answer.StartCount, reason, served, result, charge, currency));
        string Left(string how) => $"The subscription {how} at the provider ({answer!.RawStatus}) with {served} of {posts} posts served; " +
            (served >= posts ? "nothing to refund." : "the unserved posts' share refunded.");
        switch (state)
        {
            case ProviderOrderState.Completed:
                return [End(OrderStatus.Completed, null)];
            case ProviderOrderState.Expired:
                return [End(Ending(served, posts, OrderStatus.Canceled), Left("expired"), served >= posts ? null : UserReason.SubscriptionExpired)];
            case ProviderOrderState.Canceled or ProviderOrderState.Refunded or ProviderOrderState.Partial:
                return [End(Ending(served, posts, OrderStatus.Canceled), Left("ended"))];
            case ProviderOrderState.Failed:
                return [End(Ending(served, posts, OrderStatus.Failed), Left("failed"))];
        }

        var age = now - order.DispatchedAt;
        var unknown = StatusAnswers.UnknownAnswers(order, answer);
        List<OrderChange> changes =
        [
            new OrderChange.Progressed(order.Id, answer?.RawStatus, answer?.StartCount, answer?.Remains,
                now + StatusAnswers.NextInterval(age, options.SubscriptionMinInterval, options.SubscriptionMaxInterval), answer?.Error, result, served, charge, currency,
                unknown),
        ];
        if (StatusAnswers.UnknownToProvider(order, answer, unknown, options) is { } unknownThere)
        {
            changes.Add(unknownThere);
        }
        else if (age >= options.SubscriptionReviewAfter)
        {
            changes.Add(new OrderChange.ToReview(order.Id, OrderStatus.InProgress,
                $"A subscription still running at the provider {age.TotalDays:0} days after dispatch (last status: {answer?.RawStatus ?? answer?.Error ?? "none"}, " +
                $"{served} of {posts} posts served)."));
        }

        return changes;
    }

    /// <summary>All posts served is completed; some is partial; none is <paramref name="nothing"/> (canceled or failed).</summary>
    private static string Ending(int served, int posts, string nothing) =>
        served >= posts ? OrderStatus.Completed : served > 0 ? OrderStatus.Partial : nothing;

    /// <summary>
    /// The posts served: the provider's <c>posts</c> (or, without it, its child orders counted), never fewer than
    /// recorded before (a count that goes down would refund again what was delivered) and within 0..posts.
    /// </summary>
    public static int Served(TrackedOrder order, int posts, StatusResult? answer)
    {
        var reported = answer?.Posts ?? answer?.ChildOrders?.Count;
        var current = reported is { } r ? (int)Math.Clamp(r, 0, Math.Max(posts, 0)) : 0;
        return Math.Clamp(Math.Max(order.PostsServed ?? 0, current), 0, Math.Max(posts, 0));
    }

    /// <summary>
    /// What the panel shows (<c>orders.result</c>): <c>{"posts", "posts_served", "orders", "state"}</c>. The child
    /// orders are the answer's list, or the last one recorded when the answer has none; an unknown word keeps the
    /// last state (it is never final).
    /// </summary>
    public static string Result(string? previousJson, int posts, int served, StatusResult? answer, ProviderOrderState state)
    {
        var (previousOrders, previousState) = Previous(previousJson);
        var shown = state switch
        {
            ProviderOrderState.Active or ProviderOrderState.InProgress or ProviderOrderState.Pending => Active,
            ProviderOrderState.Paused => Paused,
            ProviderOrderState.Completed => Completed,
            ProviderOrderState.Expired => Expired,
            ProviderOrderState.Canceled or ProviderOrderState.Refunded or ProviderOrderState.Partial => Canceled,
            ProviderOrderState.Failed => Failed,
            _ => previousState ?? Active,
        };
        return JsonSerializer.Serialize(new { posts, posts_served = served, orders = answer?.ChildOrders ?? previousOrders, state = shown });
    }

    private static (IReadOnlyList<string> Orders, string? State) Previous(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return ([], null);
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return ([], null);
            }

            var orders = root.TryGetProperty("orders", out var list) && list.ValueKind == JsonValueKind.Array
                ? list.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToList()
                : [];
            var state = root.TryGetProperty("state", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
            return (orders, state);
        }
        catch (JsonException)
        {
            return ([], null);
        }
    }
}
