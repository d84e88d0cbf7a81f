using Fulfillment.Data.Entities;
using Fulfillment.Engine.Lifecycle;
using Fulfillment.Engine.Lifecycle.Decisions;

namespace Fulfillment.Tests.Decisions;

/// <summary>
/// Drip-feed the engine runs itself, as pure decisions: which mode a service's drip-feed takes, and what one look at an
/// emulated parent does with its runs (create the next, wait, stop, aggregate, finish with the refund it leaves).
/// A table of cases each; DripFeedTests shows the same rules end to end.
/// </summary>
[Trait("Lane", "Fast")]
public sealed class DripFeedDecisionTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);
    private static readonly DripFeedSettings Settings = new(TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(15), 3);
    private const long Parent = 1;

    [Theory]
    [InlineData(DripFeedMode.Auto, true, false)]
    [InlineData(DripFeedMode.Auto, false, true)]
    [InlineData(DripFeedMode.Auto, null, true)]
    [InlineData(DripFeedMode.Native, false, false)]
    [InlineData(DripFeedMode.Native, true, false)]
    [InlineData(DripFeedMode.Emulated, true, true)]
    [InlineData(DripFeedMode.Emulated, false, true)]
    public void The_mode_says_who_runs_the_drip_feed(string mode, bool? routeOffersIt, bool emulated) =>
        Assert.Equal(emulated, DripFeedRuns.Emulates(mode, routeOffersIt));

    /// <summary>Run n (id 100 + n); times are minutes before now.</summary>
    private static DripFeedRun Run(int n, string status, long? remains = null, int? acceptedAgo = null, int? sentAgo = null, int? endedAgo = null,
        long? startCount = null) =>
        new(100 + n, n, status, remains, startCount, Now - TimeSpan.FromHours(1), Ago(acceptedAgo), Ago(sentAgo ?? acceptedAgo), Ago(endedAgo),
            status is OrderStatus.Failed or OrderStatus.Canceled ? "Refused by provider up: Incorrect link" : null);

    private static DateTimeOffset? Ago(int? minutes) => minutes is { } m ? Now - TimeSpan.FromMinutes(m) : null;

    private static DripFeedParent Of(int runs, DripFeedRun[] list, string user = UserStatus.Active, long? cancel = null, bool serviceCancel = true,
        string? cancelReason = null) =>
        new(Parent, 100, runs, 10, user, serviceCancel, cancel, list, cancelReason);

    private const string C = OrderStatus.Completed;

    public static TheoryData<string, DripFeedParent, string> Cases => new()
    {
        { "run 1 not sent yet: only progress", Of(5, [Run(1, OrderStatus.Pending)]), "Progress:500" },
        { "run 1 in progress: its remains so far count", Of(5, [Run(1, OrderStatus.InProgress, 40, acceptedAgo: 3)]), "Progress:440" },
        { "run 1 ended, accepted 5 minutes ago, interval 10: not due", Of(5, [Run(1, C, 0, acceptedAgo: 5, endedAgo: 1)]), "Progress:400" },
        { "run 1 ended, accepted 10 minutes ago: run 2 is due", Of(5, [Run(1, C, 0, acceptedAgo: 10, endedAgo: 1)]), "Create:2,Progress:400" },
        { "a run waits for the one before to end", Of(5, [Run(1, OrderStatus.InProgress, 0, acceptedAgo: 30)]), "Progress:400" },
        { "a run in review counts from when it was sent", Of(5, [Run(1, OrderStatus.Review, sentAgo: 10)]), "Create:2,Progress:500" },
        {
            "every run completed: completed, nothing refunded",
            Of(3, [Run(1, C, 0, 40, endedAgo: 35), Run(2, C, 0, 25, endedAgo: 20), Run(3, C, 0, 10, endedAgo: 1)]), "Progress:0,End:completed::0"
        },
        {
            "over-delivery does not make up for a short run",
            Of(3, [Run(1, C, -50, 40, endedAgo: 35), Run(2, OrderStatus.Partial, 30, 25, endedAgo: 20), Run(3, C, 0, 10, endedAgo: 1)]),
            "Progress:30,End:partial:partially_delivered:30"
        },
        {
            "a failed run is skipped (refunded with the parent) and the next is due interval after it ended",
            Of(5, [Run(1, C, 0, 40, endedAgo: 35), Run(2, OrderStatus.Failed, endedAgo: 10)]), "Create:3,Progress:400"
        },
        {
            "three runs in a row not delivered: no further run; the rest is refunded",
            Of(5, [Run(1, C, 0, 60, endedAgo: 55), Run(2, OrderStatus.Failed, endedAgo: 40), Run(3, OrderStatus.Canceled, 20, 30, endedAgo: 25),
                Run(4, OrderStatus.Failed, endedAgo: 12)]),
            "Progress:400,End:partial:partially_delivered:400"
        },
        {
            "three failures from the start: failed, refunded in full",
            Of(5, [Run(1, OrderStatus.Failed, endedAgo: 40), Run(2, OrderStatus.Failed, endedAgo: 25), Run(3, OrderStatus.Failed, endedAgo: 12)]),
            "Progress:500,End:failed:not_delivered:500"
        },
        {
            "every run created, one in review: the parent waits for a person",
            Of(3, [Run(1, C, 0, 40, endedAgo: 35), Run(2, OrderStatus.Review, sentAgo: 25), Run(3, C, 0, 10, endedAgo: 1)]), "Progress:100"
        },
        {
            // fulfillment_close_parents canceled the runs not sent and asked the provider to stop the one in progress: the look waits.
            "canceled: the parent waits for its run in progress to end, and creates no run",
            Of(5, [Run(1, C, 0, 40, endedAgo: 35), Run(2, OrderStatus.InProgress, 60, 5)], cancel: 9), "Progress:360"
        },
        {
            "canceled, its run not sent canceled: the parent refunds what was not delivered",
            Of(5, [Run(1, C, 0, 40, endedAgo: 35), Run(2, OrderStatus.Canceled, endedAgo: 0)], cancel: 9),
            "Progress:400,End:partial:canceled_by_user:400,Request:done"
        },
        {
            "refunded after review: the parent ends with the staff's reason",
            Of(5, [Run(1, C, 0, 40, endedAgo: 35), Run(2, OrderStatus.Canceled, endedAgo: 0)], cancel: 9, cancelReason: UserReason.StaffDecision),
            "Progress:400,End:partial:staff_decision:400,Request:done"
        },
        {
            "canceled: a run being claimed for dispatch right now is waited for",
            Of(5, [Run(1, C, 0, 40, endedAgo: 35), Run(2, OrderStatus.Pending)], cancel: 9), "Progress:400"
        },
        {
            "canceled before anything was delivered: canceled, refunded in full",
            Of(5, [Run(1, OrderStatus.Canceled, endedAgo: 0)], cancel: 9), "Progress:500,End:canceled:canceled_by_user:500,Request:done"
        },
        {
            "canceled after the last run was delivered: completed, the cancel rejected",
            Of(2, [Run(1, C, 0, 40, endedAgo: 35), Run(2, C, 0, 20, endedAgo: 5)], cancel: 9), "Progress:0,End:completed::0,Request:rejected"
        },
        {
            "a blocked account: no further run (block handling asks the provider to cancel the run in progress)",
            Of(5, [Run(1, C, 0, 40, endedAgo: 35), Run(2, OrderStatus.InProgress, 60, 5)], user: UserStatus.Blocked), "Progress:360"
        },
        {
            "a blocked account's parent ends once its runs have",
            Of(5, [Run(1, C, 0, 40, endedAgo: 35), Run(2, OrderStatus.Canceled, 60, 5, endedAgo: 1)], user: UserStatus.Blocked),
            "Progress:400,End:partial:account_blocked:400"
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_look_at_an_emulated_parent(string because, DripFeedParent parent, string expected)
    {
        var step = DripFeedRuns.Decide(parent, Settings, Now);

        var actual = string.Join(",", step.Changes.Select(Describe).Concat(step.SettleCancel is { } settle ? [$"Request:{settle.Status}"] : []));
        Assert.True(expected == actual, $"{because}: expected {expected}, got {actual}");
    }

    [Theory]
    [InlineData(5, 0, "00:00:15")]
    [InlineData(9, 50, "00:00:10")]
    [InlineData(0, 0, "00:00:15")]
    public void A_parent_is_looked_at_again_when_its_next_run_is_due_or_after_the_check_interval(int acceptedMinutesAgo, int andSeconds, string expected)
    {
        var parent = Of(5, [Run(1, C, 0, endedAgo: 0) with { AcceptedAt = Now - new TimeSpan(0, acceptedMinutesAgo, andSeconds) }]);

        var progress = DripFeedRuns.Decide(parent, Settings, Now).Changes.OfType<OrderChange.RunsProgressed>().Single();

        Assert.Equal(TimeSpan.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), progress.NextLookAt - Now);
    }

    [Fact]
    public void The_parent_shows_the_start_count_of_its_first_run_and_its_progress()
    {
        var parent = Of(4, [Run(1, C, 0, 40, endedAgo: 35, startCount: 1200), Run(2, OrderStatus.InProgress, 30, 5, startCount: 1290)]);

        var progress = DripFeedRuns.Decide(parent, Settings, Now).Changes.OfType<OrderChange.RunsProgressed>().Single();

        Assert.Equal(1200L, progress.StartCount);
        Assert.Equal(230L, progress.Remains);
        Assert.Contains("\"created\":2", progress.ProgressJson, StringComparison.Ordinal);
        Assert.Contains("\"delivered\":170", progress.ProgressJson, StringComparison.Ordinal);
    }

    private static string Describe(OrderChange change) => change switch
    {
        OrderChange.RunCreated c => $"Create:{c.RunNumber}",
        OrderChange.RunsProgressed p => $"Progress:{p.Remains}",
        OrderChange.Finished { OrderId: Parent } f => $"End:{f.Finish.Status}:{f.Finish.Reason}:{f.Finish.Remains}",
        OrderChange.Finished f => $"Cancel:{f.OrderId}",
        _ => change.GetType().Name,
    };
}
