using Fulfillment.Engine.Jobs;
using Fulfillment.Tests.Infrastructure;
using static Fulfillment.Tests.Composition.Compose;

namespace Fulfillment.Tests.Composition;

/// <summary>
/// Accounts that go away (deleted, anonymised, an erasure requested) close their running orders as a block does, without
/// forfeiting anything: a subscription or a drip-feed is asked to stop at the provider, and refunds what it did not deliver.
/// </summary>
public sealed class AccountCompositionTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task A_deleted_account_s_running_subscription_is_canceled_at_the_provider_and_refunds_its_unserved_posts()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, s => s.SubscriptionPostEvery = TimeSpan.FromHours(1));
        // The panel's service says no cancel: a subscription of an account that goes away is asked to stop all the same.
        var (_, service) = await engine.CreateProviderAndServiceAsync(upstreamService: 8, rate: 1m, min: 50, max: 5_000, type: "Subscriptions", cancel: false);
        var user = await engine.Panel.CreateUserAsync(deposit: 20m);
        var order = await engine.Panel.PlaceOrderAsync(user, service, "@" + $"acct_{Guid.NewGuid():N}"[..20], 1000, """{"min": 50, "posts": 10}""");
        // 1.00 x 1000 x 10 / 1000.
        Assert.Equal(10m, await engine.Panel.ScalarAsync<decimal>("SELECT charge FROM orders WHERE id = $1", order));
        await engine.RunAsync(JobNames.DispatchOrders);
        engine.Clock.Advance(TimeSpan.FromHours(3.5));
        await engine.RunAsync(JobNames.SyncOrderStatus);
        Assert.Equal(3, await engine.Panel.ScalarAsync<int>("SELECT posts_served FROM orders WHERE id = $1", order));

        await engine.Panel.ExecuteAsync("UPDATE users SET status = 'deleted', deleted_at = $2 WHERE id = $1", user, engine.Clock.GetUtcNow());
        await engine.RunAsync(JobNames.ProcessOrderRequests);

        Assert.Equal(1L, await CountAsync(engine, "SELECT count(*) FROM order_requests WHERE order_id = $1 AND kind = 'cancel'", order));
        Assert.Contains("deleted", await engine.Panel.ScalarAsync<string>(
            "SELECT detail ->> 'reason' FROM order_events WHERE order_id = $1 AND kind = 'cancel_requested'", order), StringComparison.Ordinal);
        var cancel = Assert.Single(engine.Simulator.Record.Requests("cancel"));
        Assert.Equal(await engine.Panel.ScalarAsync<string>("SELECT provider_order_id FROM orders WHERE id = $1", order), cancel.Field("orders") ?? cancel.Field("order"));

        engine.Clock.Advance(TimeSpan.FromHours(5));
        await engine.RunAsync(JobNames.SyncOrderStatus);
        await engine.RunAsync(JobNames.ProcessOrderRequests);

        // 3 of 10 posts served: 7 refunded, and kept (an account that goes away forfeits nothing).
        Assert.Equal(("partial", 3), (await engine.StatusAsync(order), await engine.Panel.ScalarAsync<int>("SELECT posts_served FROM orders WHERE id = $1", order)));
        Assert.Equal(7m, await engine.Panel.ScalarAsync<decimal>("SELECT amount FROM ledger WHERE order_id = $1 AND kind = 'refund'", order));
        Assert.Equal(1L, await CountAsync(engine, "SELECT count(*) FROM ledger WHERE user_id = $1 AND kind IN ('refund', 'forfeit')", user));
        Assert.Equal(17m, await engine.Panel.BalanceAsync(user));
        await AssertBalanceIsLedgerAsync(engine, user);
        Assert.Equal("done", await engine.Panel.ScalarAsync<string>("SELECT status FROM order_requests WHERE order_id = $1", order));
        Assert.Equal(1L, engine.Simulator.Record.Count("cancel"));
    }

    [Fact]
    public async Task An_erasure_request_stops_a_running_drip_feed_and_completes_only_after_its_runs_have_ended()
    {
        // Runs take half an hour at the provider: run 1 is still running when the erasure is requested.
        await using var engine = await EngineHarness.StartAsync(fixture, Steady(s => s.InProgressDuration = TimeSpan.FromMinutes(30)),
            "--Fulfillment:Retention:BatchPause=00:00:00");
        var (_, service) = await DripFeedServiceAsync(engine, mode: "emulated", upstream: 1, cancel: true, rate: 2m);
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        var link = Link();
        var parent = await engine.Panel.PlaceOrderAsync(user, service, link, 100, """{"runs": 4, "interval": 10}""");
        await engine.RunAsync(JobNames.DispatchOrders);
        var run1 = Assert.Single(await RunsAsync(engine, parent));
        Assert.Equal("in_progress", run1.Status);

        var erasure = await engine.Panel.ScalarAsync<long>("SELECT request_erasure($1)", user);
        await engine.RunAsync(JobNames.ProcessOrderRequests);

        // Closed like a blocked account's: the parent is asked to stop, and its pass asks the provider to stop the running run.
        Assert.Equal(1L, await CountAsync(engine, "SELECT count(*) FROM order_requests WHERE order_id = $1 AND kind = 'cancel'", parent));
        await engine.RunAsync(JobNames.DispatchOrders);
        await engine.RunAsync(JobNames.ProcessOrderRequests);
        Assert.Equal(1L, engine.Simulator.Record.Count("cancel"));

        // Anonymised at once, but the request stays open while the drip-feed has not ended.
        await engine.RunAsync(JobNames.PurgeExpiredData);
        Assert.True(await engine.Panel.ScalarAsync<bool>("SELECT anonymized_at IS NOT NULL FROM users WHERE id = $1", user));
        Assert.True(await engine.Panel.ScalarAsync<bool>("SELECT completed_at IS NULL FROM erasure_requests WHERE id = $1", erasure));
        Assert.False(await EndedAsync(engine, parent));

        await DriveAsync(engine, () => EndedAsync(engine, parent), TimeSpan.FromHours(1), requests: true);
        Assert.True(await engine.Panel.ScalarAsync<bool>("SELECT completed_at IS NULL FROM erasure_requests WHERE id = $1", erasure));

        // No run after the first; nothing delivered, so the charge comes back in full, and stays (nothing is forfeited).
        Assert.Equal(["canceled"], (await RunsAsync(engine, parent)).Select(r => r.Status));
        Assert.Equal(1, engine.Simulator.Record.AddCount(link));
        Assert.Equal("canceled", await engine.StatusAsync(parent));
        // Stopped because the account goes away, not at its user's wish: the reason the user is told says so.
        Assert.Equal("not_delivered", await engine.Panel.ScalarAsync<string>(
            "SELECT detail->>'user_reason' FROM order_events WHERE order_id = $1 AND kind = 'canceled'", parent));
        Assert.Equal(0.8m, await engine.Panel.ScalarAsync<decimal>("SELECT amount FROM ledger WHERE order_id = $1 AND kind = 'refund'", parent));
        Assert.Equal(10m, await engine.Panel.BalanceAsync(user));
        await AssertBalanceIsLedgerAsync(engine, user);

        await engine.RunAsync(JobNames.PurgeExpiredData);
        Assert.True(await engine.Panel.ScalarAsync<bool>("SELECT completed_at = $2 FROM erasure_requests WHERE id = $1", erasure, engine.Clock.GetUtcNow()));
        Assert.Equal(2L, await CountAsync(engine, "SELECT count(*) FROM orders WHERE (id = $1 OR parent_id = $1) AND anonymized_at IS NOT NULL AND link = ''", parent));
    }
}
