using System.Text.Json;
using Fulfillment.Data.Entities;
using Fulfillment.Engine.Configuration;
using Fulfillment.Engine.Lifecycle;
using Fulfillment.Engine.Lifecycle.Decisions;
using Fulfillment.Engine.ProviderWatch;
using Fulfillment.Providers.Smm;

namespace Fulfillment.Tests.Decisions;

/// <summary>
/// A subscription's status answers, as a table: the subscription words mapped to engine states, the posts served
/// recorded (never lowered, never above the posts charged), the endings and their reasons, the spacing of checks.
/// The refund itself is SQL's (SubscriptionRuleTests); the integration tests show each ending with money.
/// </summary>
[Trait("Lane", "Fast")]
public sealed class SubscriptionDecisionTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);
    private static readonly ProviderRow Provider = new(7, "up", ProviderKind.SmmV2, "https://up.example/api/v2", "k", true, 100m, 0m);

    private static TrackedOrder Subscription(int posts = 10, int? served = null, TimeSpan? age = null, string? result = null) =>
        new(1, Provider, "42", 100, Now - (age ?? TimeSpan.FromHours(2)), result, posts, served);

    private static StatusResult Answer(ProviderOrderState state, string raw, long? posts = null, IReadOnlyList<string>? orders = null) =>
        new(state, raw, null, null, null, null, null, posts, orders);

    private static string Describe(OrderChange change) => change switch
    {
        OrderChange.Finished f => $"Finished:{f.Finish.Status}" + (f.Finish.Reason is { } r ? ":" + r : "") + $":{f.Finish.PostsServed}",
        OrderChange.Progressed p => $"Progressed:{p.PostsServed}",
        _ => change.GetType().Name,
    };

    public static TheoryData<string, StatusResult?, int?, string> Cases => new()
    {
        { "active: progress, the posts served recorded", Answer(ProviderOrderState.Active, "Active", 3), null, "Progressed:3" },
        { "paused is shown, not final", Answer(ProviderOrderState.Paused, "Paused", 4), null, "Progressed:4" },
        { "the order words are progress too", Answer(ProviderOrderState.InProgress, "In progress", 1), null, "Progressed:1" },
        { "an unknown word is never final", Answer(ProviderOrderState.Unknown, "tasks.status.waiting", 2), null, "Progressed:2" },
        { "no answer keeps the count recorded", null, 6, "Progressed:6" },
        { "completed refunds nothing", Answer(ProviderOrderState.Completed, "Completed", 10), null, "Finished:completed:10" },
        { "completed early is still completed", Answer(ProviderOrderState.Completed, "Completed", 7), null, "Finished:completed:7" },
        { "expired with posts left: partial, the user told it expired", Answer(ProviderOrderState.Expired, "Expired", 3), null, "Finished:partial:subscription_expired:3" },
        { "expired with none served", Answer(ProviderOrderState.Expired, "Expired", 0), null, "Finished:canceled:subscription_expired:0" },
        { "expired with all served", Answer(ProviderOrderState.Expired, "Expired", 10), null, "Finished:completed:10" },
        { "canceled with posts left", Answer(ProviderOrderState.Canceled, "Canceled", 4), null, "Finished:partial:4" },
        { "canceled before any post", Answer(ProviderOrderState.Canceled, "Cancelled"), null, "Finished:canceled:0" },
        { "refunded by the provider", Answer(ProviderOrderState.Refunded, "Refunded", 2), null, "Finished:partial:2" },
        { "failed before any post", Answer(ProviderOrderState.Failed, "Fail"), null, "Finished:failed:0" },
        { "failed after some posts", Answer(ProviderOrderState.Failed, "Error", 2), null, "Finished:partial:2" },
        { "a count that goes down is not believed", Answer(ProviderOrderState.Canceled, "Canceled", 2), 5, "Finished:partial:5" },
        { "a count above the posts charged is the posts charged", Answer(ProviderOrderState.Active, "Active", 50), null, "Progressed:10" },
        { "a negative count is none", Answer(ProviderOrderState.Active, "Active", -3), null, "Progressed:0" },
        { "without posts, the child orders are counted", Answer(ProviderOrderState.Active, "Active", null, ["1", "2", "3", "4"]), null, "Progressed:4" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Subscription_answers(string because, StatusResult? answer, int? servedBefore, string expected)
    {
        var changes = StatusAnswers.Decide(Subscription(served: servedBefore), answer, new TrackingOptions(), Now);

        var actual = string.Join(",", changes.Select(Describe));
        Assert.True(expected == actual, $"{because}: expected {expected}, got {actual}");
    }

    [Theory]
    [InlineData("Active")]
    [InlineData("Paused")]
    [InlineData("Expired")]
    public void The_subscription_words_are_never_final_for_an_order_that_is_not_one(string word)
    {
        var order = new TrackedOrder(1, Provider, "42", 100, Now - TimeSpan.FromHours(1));

        var changes = StatusAnswers.Decide(order, Answer(ProviderOrderStateFor(word), word, 3), new TrackingOptions(), Now);

        Assert.Equal("Progressed:", string.Join(",", changes.Select(Describe)));
    }

    private static ProviderOrderState ProviderOrderStateFor(string word) => ProviderStatusMap.Map(word);

    [Fact]
    public void The_panel_sees_the_posts_served_the_child_orders_and_the_state()
    {
        var paused = StatusAnswers.Decide(Subscription(), Answer(ProviderOrderState.Paused, "Paused", 2, ["901", "902"]), new TrackingOptions(), Now);
        var shown = ((OrderChange.Progressed)paused[0]).ResultJson!;
        // A later answer without the list and with a word nobody knows keeps both.
        var later = StatusAnswers.Decide(Subscription(served: 2, result: shown), Answer(ProviderOrderState.Unknown, "On hold", 2), new TrackingOptions(), Now);

        using var first = JsonDocument.Parse(shown);
        using var second = JsonDocument.Parse(((OrderChange.Progressed)later[0]).ResultJson!);
        Assert.Equal("""{"posts":10,"posts_served":2,"orders":["901","902"],"state":"paused"}""", first.RootElement.GetRawText());
        Assert.Equal("""{"posts":10,"posts_served":2,"orders":["901","902"],"state":"paused"}""", second.RootElement.GetRawText());
        Assert.Equal("Paused", ((OrderChange.Progressed)paused[0]).ProviderStatus);
    }

    [Theory]
    [InlineData(0, 60)]
    [InlineData(3_600, 360)]
    [InlineData(86_400 * 20, 3_600)]
    public void A_subscription_is_checked_a_tenth_of_its_age_apart_within_its_own_bounds(int ageSeconds, int expectedSeconds)
    {
        var changes = StatusAnswers.Decide(Subscription(age: TimeSpan.FromSeconds(ageSeconds)), Answer(ProviderOrderState.Active, "Active", 1),
            new TrackingOptions(), Now);

        Assert.Equal(Now + TimeSpan.FromSeconds(expectedSeconds), ((OrderChange.Progressed)changes[0]).NextCheckAt);
    }

    [Theory]
    [InlineData(31, "Progressed:1")]
    [InlineData(401, "Progressed:1,ToReview")]
    public void Only_a_subscription_older_than_its_own_bound_goes_to_review(int days, string expected)
    {
        var changes = StatusAnswers.Decide(Subscription(age: TimeSpan.FromDays(days)), Answer(ProviderOrderState.Active, "Active", 1), new TrackingOptions(), Now);

        Assert.Equal(expected, string.Join(",", changes.Select(Describe)));
    }

    private static ClaimedRequest Cancel(string orderStatus, bool serviceCancel, bool subscription, bool blocked) =>
        new(1, OrderRequestKind.Cancel, OrderRequestStatus.Pending, null, 1, 2, orderStatus, "42", serviceCancel, false, Provider,
            Subscription: subscription, AccountClosing: blocked);

    [Theory]
    [InlineData(true, false, false, "send")]
    [InlineData(false, false, false, "rejected")]
    [InlineData(false, true, false, "rejected")]
    [InlineData(false, true, true, "send")]
    [InlineData(false, false, true, "rejected")]
    public void A_blocked_accounts_subscription_is_asked_to_stop_whatever_the_services_cancel_flag(bool serviceCancel, bool subscription, bool blocked, string expected)
    {
        var decision = RequestOutcomes.Cancel(Cancel(OrderStatus.InProgress, serviceCancel, subscription, blocked), Now);

        Assert.Equal(expected, decision.Send ? "send" : decision.Update!.Status);
    }

    [Theory]
    [InlineData(OrderStatus.Partial, true, OrderRequestStatus.Done)]
    [InlineData(OrderStatus.Partial, false, OrderRequestStatus.Rejected)]
    [InlineData(OrderStatus.Completed, true, OrderRequestStatus.Rejected)]
    [InlineData(OrderStatus.Canceled, true, OrderRequestStatus.Done)]
    [InlineData(OrderStatus.InProgress, true, OrderRequestStatus.Sent)]
    public void A_sent_cancel_of_a_subscription_that_ended_with_posts_served_is_done(string orderStatus, bool subscription, string expected) =>
        Assert.Equal(expected, RequestOutcomes.FollowUpCancel(Cancel(orderStatus, true, subscription, false), Now).Status);
}
