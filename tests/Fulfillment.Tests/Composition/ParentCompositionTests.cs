using Fulfillment.Engine.DripFeed;
using Fulfillment.Engine.Jobs;
using Fulfillment.Engine.Lifecycle;
using Fulfillment.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static Fulfillment.Tests.Composition.Compose;

namespace Fulfillment.Tests.Composition;

/// <summary>
/// Emulated drip-feed parents composed with the rest of the engine: the same-link rule, routes, review and release, cancels and
/// retention. A parent is never sent and holds no link; its runs are the orders that go out.
/// </summary>
public sealed class ParentCompositionTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task A_parent_deferred_as_native_then_started_emulated_holds_no_link_and_never_blocks_its_own_runs()
    {
        // Runs take twenty minutes at the provider, so a later order on the link meets run 1 still running.
        await using var engine = await EngineHarness.StartAsync(fixture, Steady(s => s.InProgressDuration = TimeSpan.FromMinutes(20)));
        var (_, service) = await DripFeedServiceAsync(engine, mode: "native", upstream: 1);
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        var link = Link();

        // Native: the add goes out with runs and interval, and the provider refuses it for now.
        engine.Simulator.Settings.TooManyRequestsRate = 1;
        var parent = await engine.Panel.PlaceOrderAsync(user, service, link, 100, """{"runs": 3, "interval": 10}""");
        await engine.RunAsync(JobNames.DispatchOrders);
        Assert.Equal("pending", await engine.StatusAsync(parent));
        Assert.NotNull(await engine.Panel.ScalarAsync<string?>("SELECT link_key FROM orders WHERE id = $1", parent));
        var refused = Assert.Single(engine.Simulator.Record.Requests("add"));
        Assert.Equal(("3", "10"), (refused.Field("runs"), refused.Field("interval")));
        Assert.Equal("refused", await engine.Panel.ScalarAsync<string>("SELECT string_agg(outcome, ',') FROM order_attempts WHERE order_id = $1", parent));

        // The operator switches the service to emulated; once due, the parent starts its runs instead.
        engine.Simulator.Settings.TooManyRequestsRate = 0;
        await engine.Panel.ExecuteAsync("UPDATE services SET dripfeed_mode = 'emulated' WHERE id = $1", service);
        engine.Clock.Advance(TimeSpan.FromMinutes(20));
        await engine.RunAsync(JobNames.DispatchOrders);

        Assert.Equal("in_progress", await engine.StatusAsync(parent));
        Assert.Equal(3, await engine.Panel.ScalarAsync<int>("SELECT emulated_runs FROM orders WHERE id = $1", parent));
        var run1 = Assert.Single(await RunsAsync(engine, parent));
        Assert.Equal((1, "in_progress", (long?)null), (run1.Number, run1.Status, run1.HeldBy));
        Assert.Equal(0L, await CountAsync(engine, "SELECT count(*) FROM order_events WHERE order_id = $1 AND kind = 'held'", run1.Id));
        Assert.Null(await engine.Panel.ScalarAsync<string?>("SELECT link_key FROM orders WHERE id = $1", parent));
        var adds = engine.Simulator.Record.Requests("add");
        Assert.Equal(2, adds.Count);
        Assert.Equal((link, "100", null, null), (adds[1].Field("link"), adds[1].Field("quantity"), adds[1].Field("runs"), adds[1].Field("interval")));
        // The parent itself was never sent again: its one attempt is the refused native add.
        Assert.Equal(1L, await CountAsync(engine, "SELECT count(*) FROM order_attempts WHERE order_id = $1", parent));

        // A plain order on the link waits behind the run that is out, never behind the parent.
        var plain = await engine.Panel.PlaceOrderAsync(user, service, link, 100);
        await engine.RunAsync(JobNames.DispatchOrders);
        Assert.Equal("held", await engine.StatusAsync(plain));
        Assert.Equal(run1.Id, await engine.Panel.ScalarAsync<long>("SELECT held_by FROM orders WHERE id = $1", plain));
        Assert.Equal(2, engine.Simulator.Record.AddCount(link));
    }

    [Fact]
    public async Task Auto_drip_feed_is_decided_on_the_route_the_order_goes_out_on_not_on_route_0()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, Steady());
        // Route 0 at A lists the service with drip-feed; route 1 at B lists its own without.
        var (a, service) = await DripFeedServiceAsync(engine, mode: "auto", upstream: 1, rate: 2m);
        var (b, bId) = await SecondProviderAsync(engine, Steady());
        await using var _ = b;
        await AddRouteAsync(engine, service, 1, bId, "3");
        await engine.RunAsync(JobNames.SyncProviderServices);
        Assert.True(await engine.Panel.ScalarAsync<bool>("SELECT dripfeed FROM provider_services WHERE provider_id = $1 AND service = '1'", a));
        Assert.False(await engine.Panel.ScalarAsync<bool>("SELECT dripfeed FROM provider_services WHERE provider_id = $1 AND service = '3'", bId));
        // Route 0 cannot take orders: its provider is disabled.
        await engine.Panel.ExecuteAsync("UPDATE providers SET enabled = false WHERE id = $1", a);
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        var link = Link();

        var parent = await engine.Panel.PlaceOrderAsync(user, service, link, 100, """{"runs": 4, "interval": 10}""");
        await engine.RunAsync(JobNames.DispatchOrders);

        // Emulated: a parent with runs, never sent itself.
        Assert.Equal("in_progress", await engine.StatusAsync(parent));
        Assert.Equal(4, await engine.Panel.ScalarAsync<int?>("SELECT emulated_runs FROM orders WHERE id = $1", parent));
        Assert.Equal(0L, await CountAsync(engine, "SELECT count(*) FROM order_attempts WHERE order_id = $1", parent));
        var run = Assert.Single(await RunsAsync(engine, parent));
        Assert.Equal(("in_progress", 100), (run.Status, run.Quantity));
        Assert.Equal((bId, 1), (await engine.Panel.ScalarAsync<long>("SELECT provider_id FROM orders WHERE id = $1", run.Id),
            await engine.Panel.ScalarAsync<int>("SELECT route_position FROM orders WHERE id = $1", run.Id)));
        // B was asked for one run's quantity, as a plain add; A for nothing.
        var add = Assert.Single(b.Record.Requests("add"));
        Assert.Equal((link, "3", "100", null, null), (add.Field("link"), add.Field("service"), add.Field("quantity"), add.Field("runs"), add.Field("interval")));
        Assert.Equal(0L, engine.Simulator.Record.Count("add"));
        // The user pays quantity x runs x rate / 1000 once, on the parent.
        Assert.Equal(100m * 4 * 2m / 1000m, await engine.Panel.ScalarAsync<decimal>("SELECT charge FROM orders WHERE id = $1", parent));
        Assert.Equal(10m - 0.8m, await engine.Panel.BalanceAsync(user));
        await AssertBalanceIsLedgerAsync(engine, user);
    }

    /// <summary>A parent whose run 1 was delivered in full (charge 0.1 for 3 runs of 100), with run 1 completed.</summary>
    private static async Task<(long User, long Parent, string Link)> ParentWithRunOneDeliveredAsync(EngineHarness engine, int interval = 10)
    {
        var (_, service) = await DripFeedServiceAsync(engine, mode: "emulated", upstream: 1, cancel: true, rate: 0.333333m);
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        var link = Link();
        var parent = await engine.Panel.PlaceOrderAsync(user, service, link, 100, $$"""{"runs": 3, "interval": {{interval}}}""");
        // 0.333333 x 300 / 1000 = 0.0999999, rounded to six places.
        Assert.Equal(0.1m, await engine.Panel.ScalarAsync<decimal>("SELECT charge FROM orders WHERE id = $1", parent));
        await DriveAsync(engine, async () => (await RunsAsync(engine, parent)) is [{ Status: "completed" }], TimeSpan.FromMinutes(interval - 1));
        return (user, parent, link);
    }

    private static Task PutInReviewAsync(EngineHarness engine, long parent) =>
        OrderReviews.PutAsideAsync(engine.Services.GetRequiredService<NpgsqlDataSource>(), parent, "in_progress",
            "The engine could not advance this drip-feed; a person looks at it.", engine.Clock.GetUtcNow());

    [Fact]
    public async Task Refunding_a_parent_after_review_cancels_its_unsent_run_and_refunds_only_what_was_not_delivered()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, Steady());
        var (user, parent, link) = await ParentWithRunOneDeliveredAsync(engine);
        // Run 2 falls due and is created; it has not been sent yet.
        engine.Clock.Advance(TimeSpan.FromMinutes(10));
        await engine.Services.GetRequiredService<DripFeedRunner>().RunAsync(CancellationToken.None);
        var run2 = (await RunsAsync(engine, parent))[1];
        Assert.Equal((2, "pending"), (run2.Number, run2.Status));

        await PutInReviewAsync(engine, parent);
        Assert.Equal("review", await engine.StatusAsync(parent));
        await engine.Panel.ExecuteAsync("SELECT release_order($1, 'refund')", parent);

        // The run not sent is canceled at once, and never leaves.
        Assert.Equal(["completed", "canceled"], (await RunsAsync(engine, parent)).Select(r => r.Status));
        await DriveAsync(engine, () => EndedAsync(engine, parent), TimeSpan.FromHours(1), requests: true);
        engine.Clock.Advance(TimeSpan.FromHours(1));
        await engine.RunAsync(JobNames.DispatchOrders);

        Assert.Equal(["completed", "canceled"], (await RunsAsync(engine, parent)).Select(r => r.Status));
        Assert.Equal(1, engine.Simulator.Record.AddCount(link));
        Assert.Equal(0L, await CountAsync(engine, "SELECT count(*) FROM order_attempts WHERE order_id = $1", run2.Id));
        // 100 of 300 units delivered: 200 refunded by the rule, 0.1 x 200 / 300 truncated to six places.
        var refund = PartialRefund(0.1m, 200, 300);
        Assert.Equal(0.066666m, refund);
        Assert.Equal(("partial", 200L), (await engine.StatusAsync(parent), await engine.Panel.ScalarAsync<long>("SELECT remains FROM orders WHERE id = $1", parent)));
        Assert.Equal(refund, await engine.Panel.ScalarAsync<decimal>("SELECT amount FROM ledger WHERE order_id = $1 AND kind = 'refund'", parent));
        Assert.Equal(1L, await CountAsync(engine, "SELECT count(*) FROM ledger WHERE user_id = $1 AND kind = 'refund'", user));
        Assert.Equal(10m - 0.1m + refund, await engine.Panel.BalanceAsync(user));
        await AssertBalanceIsLedgerAsync(engine, user);
        Assert.Equal("order_partial:staff_decision", await engine.Panel.ScalarAsync<string>(
            "SELECT string_agg(kind || ':' || (payload ->> 'reason'), ',') FROM notifications WHERE user_id = $1", user));
    }

    [Fact]
    public async Task A_cancel_asked_while_the_parent_is_in_review_is_kept_and_a_retry_stops_the_parent_instead_of_resuming_its_runs()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, Steady());
        var (user, parent, link) = await ParentWithRunOneDeliveredAsync(engine);
        await PutInReviewAsync(engine, parent);

        var request = await engine.Panel.ScalarAsync<long>("SELECT request_cancel($1)", parent);
        Assert.Equal("pending", await engine.Panel.ScalarAsync<string>("SELECT status FROM order_requests WHERE id = $1 AND order_id = $2", request, parent));
        await engine.Panel.ExecuteAsync("SELECT release_order($1, 'retry')", parent);
        // Well past run 2's time: a resumed parent would create it at its next look.
        engine.Clock.Advance(TimeSpan.FromMinutes(30));
        await DriveAsync(engine, () => EndedAsync(engine, parent), TimeSpan.FromHours(1), requests: true);

        Assert.Equal(["completed"], (await RunsAsync(engine, parent)).Select(r => r.Status));
        Assert.Equal(1, engine.Simulator.Record.AddCount(link));
        Assert.Equal(1L, await CountAsync(engine, "SELECT count(*) FROM order_events WHERE order_id = $1 AND kind = 'run_created'", parent));
        var refund = PartialRefund(0.1m, 200, 300);
        Assert.Equal(("partial", 200L), (await engine.StatusAsync(parent), await engine.Panel.ScalarAsync<long>("SELECT remains FROM orders WHERE id = $1", parent)));
        Assert.Equal(refund, await engine.Panel.ScalarAsync<decimal>("SELECT amount FROM ledger WHERE order_id = $1 AND kind = 'refund'", parent));
        Assert.Equal(10m - 0.1m + refund, await engine.Panel.BalanceAsync(user));
        await AssertBalanceIsLedgerAsync(engine, user);
        Assert.Equal("done", await engine.Panel.ScalarAsync<string>("SELECT status FROM order_requests WHERE id = $1", request));
        Assert.Equal("order_partial:canceled_by_user", await engine.Panel.ScalarAsync<string>(
            "SELECT string_agg(kind || ':' || (payload ->> 'reason'), ',') FROM notifications WHERE user_id = $1", user));
    }

    [Fact]
    public async Task Retention_keeps_the_finished_runs_of_a_running_parent_and_takes_them_only_with_it()
    {
        // Finished orders are kept a minute only: run 1 is long past that while its parent still runs.
        await using var engine = await EngineHarness.StartAsync(fixture, Steady(),
            "--Fulfillment:Retention:TransactionRecords=00:01:00", "--Fulfillment:Retention:BatchPause=00:00:00");
        var (user, parent, link) = await ParentWithRunOneDeliveredAsync(engine, interval: 30);
        var run1 = (await RunsAsync(engine, parent))[0];
        engine.Clock.Advance(TimeSpan.FromMinutes(10));

        await engine.RunAsync(JobNames.PurgeExpiredData);

        Assert.Equal([(run1.Id, "completed", link)], (await RunsAsync(engine, parent)).Select(r => (r.Id, r.Status, r.Link)));
        Assert.True(await engine.Panel.ScalarAsync<bool>("SELECT anonymized_at IS NULL FROM orders WHERE id = $1", run1.Id));

        // Purged every minute while the parent runs: no run is taken before it ends, none is sent twice.
        var until = engine.Clock.GetUtcNow() + TimeSpan.FromHours(3);
        while (!await EndedAsync(engine, parent))
        {
            Assert.True(engine.Clock.GetUtcNow() < until, "the parent did not end");
            await engine.RunAsync(JobNames.DispatchOrders);
            await engine.RunAsync(JobNames.SyncOrderStatus);
            await engine.RunAsync(JobNames.PurgeExpiredData);
            engine.Clock.Advance(TimeSpan.FromMinutes(1));
        }

        Assert.Equal([1, 2, 3], (await RunsAsync(engine, parent)).Select(r => r.Number));
        Assert.All(await RunsAsync(engine, parent), r => Assert.Equal("completed", r.Status));
        Assert.Equal(3, engine.Simulator.Orders.CreatedCount(link));
        Assert.Equal(("completed", 0L, 0m), (await engine.StatusAsync(parent), await engine.Panel.ScalarAsync<long>("SELECT remains FROM orders WHERE id = $1", parent),
            await engine.Panel.ScalarAsync<decimal>("SELECT refunded FROM orders WHERE id = $1", parent)));
        Assert.Equal(0L, await CountAsync(engine, "SELECT count(*) FROM ledger WHERE order_id = $1 AND kind = 'refund'", parent));
        Assert.Equal(10m - 0.1m, await engine.Panel.BalanceAsync(user));
        await AssertBalanceIsLedgerAsync(engine, user);

        // Once the parent has ended and its window passed, its runs go with it.
        engine.Clock.Advance(TimeSpan.FromMinutes(5));
        await engine.RunAsync(JobNames.PurgeExpiredData);
        Assert.Equal(4L, await CountAsync(engine, "SELECT count(*) FROM orders WHERE (id = $1 OR parent_id = $1) AND anonymized_at IS NOT NULL AND link = ''", parent));
    }
}
