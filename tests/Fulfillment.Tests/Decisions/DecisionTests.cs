using Fulfillment.Data.Entities;
using Fulfillment.Engine.Configuration;
using Fulfillment.Engine.Lifecycle;
using Fulfillment.Engine.Lifecycle.Decisions;
using Fulfillment.Engine.ProviderWatch;
using Fulfillment.Providers.Smm;
using Fulfillment.Providers.SmsActivate;

namespace Fulfillment.Tests.Decisions;

/// <summary>
/// The lifecycle's decisions are pure code: a table of cases each, in milliseconds, without a database.
/// The integration tests show the same rules end to end.
/// </summary>
[Trait("Lane", "Fast")]
public sealed class DecisionTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);
    private static readonly ProviderRow Provider = new(7, "up", ProviderKind.SmmV2, "https://up.example/api/v2", "k", true, 100m, 0m);

    private static ClaimedOrder Order(string type = "Default", string link = "https://instagram.com/p/x", int quantity = 100, string @params = "{}",
        string userStatus = UserStatus.Active, bool serviceEnabled = true, ProviderRow? provider = null, bool noProvider = false, int attempts = 0,
        TimeSpan? age = null, bool cancelRequested = false, bool dripfeed = false, bool providerOffersDripfeed = false) =>
        new(1, 2, userStatus, link, quantity, @params, Now - (age ?? TimeSpan.FromMinutes(1)), attempts, 3, "svc", type, serviceEnabled, "9", 10, 1000,
            dripfeed, noProvider ? null : provider ?? Provider, cancelRequested,
            Routes: noProvider ? null : [new Route(0, provider ?? Provider, "9", OffersDripfeed: providerOffersDripfeed)]);

    public static TheoryData<string, ClaimedOrder, string> PreSendCases => new()
    {
        { "a good order is sent", Order(), "Send" },
        { "a cancel requested before sending wins", Order(cancelRequested: true), "Cancel:canceled_by_user" },
        { "a blocked account is canceled", Order(userStatus: UserStatus.Blocked), "Cancel:account_blocked" },
        { "a deleted account fails", Order(userStatus: UserStatus.Deleted), "Fail:not_delivered" },
        { "a disabled service fails", Order(serviceEnabled: false), "Fail:service_unavailable" },
        { "an unmapped service fails", Order(noProvider: true), "Fail:service_unavailable" },
        { "a disabled provider fails", Order(provider: Provider with { Enabled = false }), "Fail:service_unavailable" },
        { "a provider without a usable url fails", Order(provider: Provider with { ApiUrl = "ftp://x" }), "Fail:service_unavailable" },
        { "a paused provider waits", Order(provider: Provider with { Balance = 1m, MinBalance = 5m }), "Wait" },
        { "a quantity out of range fails", Order(quantity: 5), "Fail:invalid_order" },
        { "a link that is not a web address fails", Order(link: "javascript:alert(1)"), "Fail:invalid_order" },
        { "a list type without its list fails", Order(type: "Custom Comments"), "Fail:invalid_order" },
        { "drip-feed where the service has none fails", Order(@params: """{"runs": 3, "interval": 5}"""), "Fail:invalid_order" },
        { "drip-feed where it has one and so has the provider is sent", Order(@params: """{"runs": 3, "interval": 5}""", dripfeed: true, providerOffersDripfeed: true), "Send" },
        { "drip-feed where it has one and the provider has none is emulated", Order(@params: """{"runs": 3, "interval": 5}""", dripfeed: true), "Emulate" },
        { "an activation at an SMM provider fails", Order(type: "Activation", link: ""), "Fail:service_unavailable" },
    };

    [Theory]
    [MemberData(nameof(PreSendCases))]
    public void Pre_send_checks(string because, ClaimedOrder order, string expected)
    {
        var decision = PreSendChecks.Decide(order, new DispatchOptions(), Now);

        var actual = decision switch
        {
            DispatchDecision.Fail f => "Fail:" + f.Reason,
            DispatchDecision.Cancel c => "Cancel:" + c.Reason,
            _ => decision.GetType().Name,
        };
        Assert.True(expected == actual, $"{because}: expected {expected}, got {actual}");
    }

    [Theory]
    [InlineData(20, 20)]
    [InlineData(600, 60)]
    public void An_order_waiting_on_a_quarantined_route_is_looked_at_again_as_the_quarantine_ends_if_that_is_sooner(int endsInSeconds, int wakesInSeconds)
    {
        var order = Order() with { Routes = [new Route(0, Provider, "9", QuarantinedUntil: Now.AddSeconds(endsInSeconds))] };

        var decision = PreSendChecks.Decide(order, new DispatchOptions { PausedRecheck = TimeSpan.FromMinutes(1) }, Now);

        Assert.Equal(Now.AddSeconds(wakesInSeconds), Assert.IsType<DispatchDecision.Wait>(decision).Until);
    }

    [Theory]
    [InlineData(null, ConflictPolicy.Hold, null)]
    [InlineData(5L, ConflictPolicy.Hold, "HeldBehind")]
    [InlineData(5L, ConflictPolicy.Fail, "Finished:failed:duplicate_link")]
    public void Conflict_policy(long? blocker, ConflictPolicy policy, string? expected)
    {
        var change = ConflictDecision.Decide(1, blocker, policy);

        Assert.Equal(expected, Describe(change));
    }

    public static TheoryData<string, AddOutcome, TimeSpan, bool, string> AddCases => new()
    {
        { "accepted", new AddOutcome.Accepted("42"), TimeSpan.FromMinutes(1), false, "Accepted" },
        { "accepted with an unusable id: the provider has it", new AddOutcome.AcceptedUnusable("its id has a comma"), TimeSpan.FromMinutes(1), false, "ToReview:has-it" },
        { "refused for good, about the link", new AddOutcome.Refused(RefusalKind.Permanent, RefusalReason.BadLink, "Incorrect link"), TimeSpan.FromMinutes(1), false, "Finished:failed:invalid_order" },
        { "refused for good, about the service", new AddOutcome.Refused(RefusalKind.Permanent, RefusalReason.UnknownService, "Incorrect service ID"), TimeSpan.FromMinutes(1), false, "Finished:failed:service_unavailable" },
        { "refused for now", new AddOutcome.Refused(RefusalKind.Temporary, RefusalReason.InsufficientFunds, "Not enough funds"), TimeSpan.FromMinutes(1), false, "Deferred" },
        { "refused for now past GiveUpAfter", new AddOutcome.Refused(RefusalKind.Temporary, RefusalReason.Unreachable, "refused"), TimeSpan.FromDays(2), false, "Finished:failed:service_unavailable" },
        { "the provider's same-link refusal", new AddOutcome.Refused(RefusalKind.Temporary, RefusalReason.DuplicateLink, "active order"), TimeSpan.FromMinutes(1), false, "HeldAtProvider" },
        { "a redirect: whatever answered got the whole order, so it is unknown", new AddOutcome.Unknown("redirected", Redirected: true), TimeSpan.FromMinutes(1), false, "ToReview" },
        { "the provider refuses the key: it waits", new AddOutcome.Refused(RefusalKind.Temporary, RefusalReason.AuthenticationFailed, "API key invalid"), TimeSpan.FromMinutes(1), false, "Deferred" },
        { "a lost answer", new AddOutcome.Unknown("timeout after sending"), TimeSpan.FromMinutes(1), false, "ToReview" },
        { "a lost answer where resending is configured", new AddOutcome.Unknown("timeout after sending"), TimeSpan.FromMinutes(1), true, "Deferred" },
    };

    [Theory]
    [MemberData(nameof(AddCases))]
    public void Add_outcomes(string because, AddOutcome outcome, TimeSpan age, bool resend, string expected)
    {
        var change = AddOutcomes.ForAdd(Order(age: age), "up", outcome,
            new AddSettings(new DispatchOptions(), TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(5), resend), Now);

        Assert.True(expected == Describe(change), $"{because}: expected {expected}, got {Describe(change)}");
    }

    [Theory]
    [InlineData("rented", "Accepted")]
    [InlineData("unusable", "ToReview:has-it")]
    [InlineData("no numbers", "Deferred")]
    [InlineData("bad service", "Finished:failed:service_unavailable")]
    [InlineData("lost", "ToReview")]
    public void Rent_outcomes(string outcome, string expected)
    {
        NumberOutcome number = outcome switch
        {
            "rented" => new NumberOutcome.Rented("77", "+10000000000"),
            "unusable" => new NumberOutcome.RentedUnusable("its id has a comma"),
            "no numbers" => new NumberOutcome.Refused(RefusalKind.Temporary, SmsRefusal.NoNumbers, "NO_NUMBERS"),
            "bad service" => new NumberOutcome.Refused(RefusalKind.Permanent, SmsRefusal.BadService, "BAD_SERVICE"),
            _ => new NumberOutcome.Unknown("reset"),
        };

        var change = AddOutcomes.ForRent(Order(type: "Activation"), "sms", number,
            new AddSettings(new DispatchOptions(), TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(5), false), Now);

        Assert.Equal(expected, Describe(change));
    }

    public static TheoryData<string, StatusResult?, TimeSpan, string> StatusCases => new()
    {
        { "completed", new StatusResult(ProviderOrderState.Completed, "Completed", 10, 0, null, null), TimeSpan.FromHours(1), "Finished:completed" },
        { "partial with remains", new StatusResult(ProviderOrderState.Partial, "Partial", 10, 40, null, null), TimeSpan.FromHours(1), "Finished:partial" },
        { "partial without remains", new StatusResult(ProviderOrderState.Partial, "Partial", 10, null, null, null), TimeSpan.FromHours(1), "Progressed,ToReview" },
        { "canceled", new StatusResult(ProviderOrderState.Canceled, "Canceled", null, 100, null, null), TimeSpan.FromHours(1), "Finished:canceled" },
        { "refunded", new StatusResult(ProviderOrderState.Refunded, "Refunded", null, 100, null, null), TimeSpan.FromHours(1), "Finished:canceled" },
        { "failed", new StatusResult(ProviderOrderState.Failed, "Fail", null, 100, null, null), TimeSpan.FromHours(1), "Finished:failed" },
        { "in progress", new StatusResult(ProviderOrderState.InProgress, "In progress", 10, 50, null, null), TimeSpan.FromHours(1), "Progressed" },
        { "an unknown word is never final", new StatusResult(ProviderOrderState.Unknown, "tasks.status.weird", null, null, null, null), TimeSpan.FromHours(1), "Progressed" },
        { "no answer for this order", null, TimeSpan.FromHours(1), "Progressed" },
        { "still running after ReviewAfter", new StatusResult(ProviderOrderState.InProgress, "In progress", 10, 50, null, null), TimeSpan.FromDays(31), "Progressed,ToReview" },
    };

    [Theory]
    [MemberData(nameof(StatusCases))]
    public void Status_answers(string because, StatusResult? answer, TimeSpan age, string expected)
    {
        var order = new TrackedOrder(1, Provider, "42", 100, Now - age);

        var changes = StatusAnswers.Decide(order, answer, new TrackingOptions(), Now);

        var actual = string.Join(",", changes.Select(Describe));
        Assert.True(expected == actual, $"{because}: expected {expected}, got {actual}");
    }

    [Theory]
    [InlineData(ProviderOrderState.Pending, "Pending", null)]
    [InlineData(ProviderOrderState.InProgress, "In progress", 0L)]
    public void A_new_orders_remains_of_0_is_no_delivery_figure(ProviderOrderState state, string word, long? stored)
    {
        var order = new TrackedOrder(1, Provider, "42", 100, Now - TimeSpan.FromMinutes(5));

        var changes = StatusAnswers.Decide(order, new StatusResult(state, word, 0, 0, 0.28m, "USD"), new TrackingOptions(), Now);

        var progressed = Assert.IsType<OrderChange.Progressed>(Assert.Single(changes));
        Assert.Equal(stored, progressed.Remains);
        Assert.Equal(word, progressed.ProviderStatus);
    }

    [Theory]
    [InlineData(0, true, "1")]
    [InlineData(1, true, "2")]
    [InlineData(2, true, "3,ToReview")]
    [InlineData(2, false, "0")]
    public void An_order_the_provider_does_not_know_goes_to_review_after_UnknownOrderReviewAfter_answers_in_a_row(int before, bool unknown, string expected)
    {
        var order = new TrackedOrder(1, Provider, "42", 100, Now - TimeSpan.FromHours(1), UnknownAnswers: before);
        var answer = unknown ? StatusResult.ForError("Incorrect order ID") : new StatusResult(ProviderOrderState.InProgress, "In progress", 10, 50, null, null);

        var changes = StatusAnswers.Decide(order, answer, new TrackingOptions { UnknownOrderReviewAfter = 3 }, Now);

        var progressed = Assert.IsType<OrderChange.Progressed>(changes[0]);
        Assert.Equal(expected, string.Join(",", [progressed.UnknownAnswers.ToString(), .. changes.Skip(1).Select(Describe)]));
        Assert.All(changes.OfType<OrderChange.ToReview>(), r => Assert.Contains("Incorrect order ID", r.Reason, StringComparison.Ordinal));
        Assert.Null(StatusAnswers.Decide(order, StatusResult.Missing(), new TrackingOptions(), Now).OfType<OrderChange.Progressed>().Single().UnknownAnswers);
    }

    [Theory]
    [InlineData(0, 15)]
    [InlineData(600, 60)]
    [InlineData(100_000, 1800)]
    public void The_next_check_is_a_tenth_of_the_age_within_bounds(int ageSeconds, int expectedSeconds) =>
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), StatusAnswers.NextInterval(TimeSpan.FromSeconds(ageSeconds), new TrackingOptions()));

    [Theory]
    [InlineData(false, 1, "Progressed")]
    [InlineData(true, 1, "Progressed")]
    [InlineData(true, 72, "ToReview")]
    public void A_provider_unreachable_long_enough_sends_its_orders_to_review(bool unreachable, int hours, string expected)
    {
        var order = new TrackedOrder(1, Provider, "42", 100, Now - TimeSpan.FromDays(5));

        var change = StatusAnswers.Unanswered(order, "up", "timeout", unreachable ? Now - TimeSpan.FromHours(hours) : null, new TrackingOptions(), Now);

        Assert.Equal(expected, Describe(change));
    }

    private static ClaimedRequest Request(string kind, string orderStatus, bool cancel = true, bool refill = true, string? providerOrderId = "42") =>
        new(1, kind, OrderRequestStatus.Pending, null, 1, 2, orderStatus, providerOrderId, cancel, refill, Provider);

    [Theory]
    [InlineData(OrderStatus.Pending, true, "done+finish")]
    [InlineData(OrderStatus.Held, true, "done+finish")]
    [InlineData(OrderStatus.Dispatching, true, "pending")]
    [InlineData(OrderStatus.InProgress, true, "send")]
    [InlineData(OrderStatus.InProgress, false, "rejected")]
    [InlineData(OrderStatus.Canceled, true, "done")]
    [InlineData(OrderStatus.Completed, true, "rejected")]
    [InlineData(OrderStatus.Review, true, "rejected")]
    public void Cancel_requests(string orderStatus, bool serviceAllowsCancel, string expected)
    {
        var decision = RequestOutcomes.Cancel(Request(OrderRequestKind.Cancel, orderStatus, cancel: serviceAllowsCancel), Now);

        Assert.Equal(expected, decision.Send ? "send" : decision.Update!.Status + (decision.Finish is null ? "" : "+finish"));
    }

    [Theory]
    [InlineData(OrderStatus.Completed, true, "42", "send")]
    [InlineData(OrderStatus.Partial, true, "42", "send")]
    [InlineData(OrderStatus.Completed, false, "42", "rejected")]
    [InlineData(OrderStatus.InProgress, true, "42", "rejected")]
    [InlineData(OrderStatus.Completed, true, "4,2", "failed")]
    public void Refill_requests(string orderStatus, bool serviceOffersRefill, string providerOrderId, string expected)
    {
        var decision = RequestOutcomes.Refill(Request(OrderRequestKind.Refill, orderStatus, refill: serviceOffersRefill, providerOrderId: providerOrderId));

        Assert.Equal(expected, decision.Send ? "send" : decision.Update!.Status);
    }

    [Fact]
    public void A_request_whose_answer_was_lost_or_never_recorded_is_never_sent_again()
    {
        var cancel = Request(OrderRequestKind.Cancel, OrderStatus.InProgress);
        var refill = Request(OrderRequestKind.Refill, OrderStatus.Completed);

        Assert.Equal(OrderRequestStatus.Sent, RequestOutcomes.CancelAnswer(cancel, new CancelOutcome.Unknown("reset"), Now).Status);
        Assert.Equal(OrderRequestStatus.Sent, RequestOutcomes.CancelAnswer(cancel, null, Now).Status);
        Assert.Equal(OrderRequestStatus.Failed, RequestOutcomes.RefillAnswer(refill, new RefillOutcome.Unknown("reset"), Now).Status);
        Assert.Equal(OrderRequestStatus.Sent, RequestOutcomes.MaybeSent(cancel, Now).Status);
        Assert.Equal(OrderRequestStatus.Failed, RequestOutcomes.MaybeSent(refill, Now).Status);
        Assert.Equal(OrderRequestStatus.Pending,
            RequestOutcomes.ActivationCancelAnswer(cancel, new SetStatusOutcome.EarlyCancelDenied(), Now, Now).Update!.Status);
    }

    [Theory]
    [InlineData(false, "ReleasedUnsent")]
    [InlineData(true, "ToReview")]
    public void Recovery_puts_back_only_what_provably_never_left(bool markedSending, string expected) =>
        Assert.Equal(expected, Describe(Recovery.Decide(1, markedSending)));

    [Theory]
    [InlineData(1, 30)]
    [InlineData(2, 60)]
    [InlineData(5, 480)]
    [InlineData(6, 900)]
    [InlineData(60, 900)]
    public void One_backoff_doubles_from_the_minimum_to_the_maximum(int attempt, int expectedSeconds) =>
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), Backoff.After(attempt, TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(15)));

    [Theory]
    [InlineData(OrderStatus.Pending, OrderStatus.Dispatching, true)]
    [InlineData(OrderStatus.Dispatching, OrderStatus.InProgress, true)]
    [InlineData(OrderStatus.Dispatching, OrderStatus.Review, true)]
    [InlineData(OrderStatus.InProgress, OrderStatus.Partial, true)]
    [InlineData(OrderStatus.Review, OrderStatus.Pending, true)]
    [InlineData(OrderStatus.Review, OrderStatus.InProgress, true)]
    [InlineData(OrderStatus.Held, OrderStatus.Pending, true)]
    [InlineData(OrderStatus.Completed, OrderStatus.Pending, false)]
    [InlineData(OrderStatus.Canceled, OrderStatus.Failed, false)]
    [InlineData(OrderStatus.Pending, OrderStatus.InProgress, true)] // start_runs: an emulated drip-feed is never sent itself
    [InlineData(OrderStatus.Pending, OrderStatus.Review, true)]
    [InlineData(OrderStatus.InProgress, OrderStatus.Pending, false)]
    [InlineData(OrderStatus.Held, OrderStatus.Dispatching, false)]
    public void The_lifecycle_allows_exactly_its_edges(string from, string to, bool allowed) =>
        Assert.Equal(allowed, OrderLifecycle.Allows(from, to));

    [Fact]
    public void The_writer_refuses_a_change_the_lifecycle_does_not_have() =>
        Assert.Throws<InvalidOperationException>(() => OrderChange.EnsureAllowed(new OrderChange.ToReview(1, OrderStatus.Completed, "no")));

    private static string? Describe(OrderChange? change) => change switch
    {
        null => null,
        OrderChange.Finished f => $"Finished:{f.Finish.Status}" + (f.Finish.Reason is { } r ? ":" + r : ""),
        OrderChange.ToReview { ProviderHasIt: true } => "ToReview:has-it",
        _ => change.GetType().Name,
    };
}
