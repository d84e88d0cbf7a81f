using Fulfillment.Engine.Jobs;
using Fulfillment.Tests.Infrastructure;

namespace Fulfillment.Tests.Lifecycle;

public sealed class RequestTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private static string Link() => $"https://t.me/channel_{Guid.NewGuid():N}";

    [Fact]
    public async Task A_cancel_before_dispatch_is_done_locally_with_a_full_refund()
    {
        await using var engine = await EngineHarness.StartAsync(fixture);
        var (_, service) = await engine.CreateProviderAndServiceAsync();
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        var order = await engine.Panel.PlaceOrderAsync(user, service, Link(), 1000);
        var request = await engine.Panel.ScalarAsync<long>("SELECT request_cancel($1)", order);

        await engine.RunAsync(JobNames.ProcessOrderRequests);
        await engine.RunAsync(JobNames.DispatchOrders);

        Assert.Equal("canceled", await engine.StatusAsync(order));
        Assert.Equal("done", await engine.Panel.ScalarAsync<string>("SELECT status FROM order_requests WHERE id = $1", request));
        Assert.Equal(10m, await engine.Panel.BalanceAsync(user));
        Assert.Equal(0L, engine.Simulator.Record.Count("add") + engine.Simulator.Record.Count("cancel"));
    }

    [Fact]
    public async Task A_cancel_of_a_started_order_goes_to_the_provider_and_the_refund_follows_its_status()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, s => { s.PartialProbability = 0; s.CanceledProbability = 0; });
        var (_, service) = await engine.CreateProviderAndServiceAsync(cancel: true);
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        var order = await engine.Panel.PlaceOrderAsync(user, service, Link(), 1000);
        await engine.RunAsync(JobNames.DispatchOrders);
        var request = await engine.Panel.ScalarAsync<long>("SELECT request_cancel($1)", order);

        await engine.RunAsync(JobNames.ProcessOrderRequests);
        Assert.Equal("sent", await engine.Panel.ScalarAsync<string>("SELECT status FROM order_requests WHERE id = $1", request));
        Assert.Equal(1L, engine.Simulator.Record.Count("cancel"));

        engine.Clock.Advance(TimeSpan.FromMinutes(10));
        await engine.RunAsync(JobNames.SyncOrderStatus);
        await engine.RunAsync(JobNames.ProcessOrderRequests);

        Assert.Equal("canceled", await engine.StatusAsync(order));
        Assert.Equal("done", await engine.Panel.ScalarAsync<string>("SELECT status FROM order_requests WHERE id = $1", request));
        Assert.Equal(10m, await engine.Panel.BalanceAsync(user));
    }

    [Fact]
    public async Task A_refill_is_sent_and_its_status_flows_back()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, s =>
        {
            s.PartialProbability = 0;
            s.CanceledProbability = 0;
            s.RefillRejectProbability = 0;
        });
        var (_, service) = await engine.CreateProviderAndServiceAsync(refill: true);
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        var order = await engine.Panel.PlaceOrderAsync(user, service, Link(), 1000);
        await engine.RunAsync(JobNames.DispatchOrders);
        engine.Clock.Advance(TimeSpan.FromMinutes(5));
        await engine.RunAsync(JobNames.SyncOrderStatus);
        Assert.Equal("completed", await engine.StatusAsync(order));
        var request = await engine.Panel.ScalarAsync<long>("SELECT request_refill($1)", order);

        await engine.RunAsync(JobNames.ProcessOrderRequests);
        Assert.Equal("sent", await engine.Panel.ScalarAsync<string>("SELECT status FROM order_requests WHERE id = $1", request));
        Assert.False(string.IsNullOrEmpty(await engine.Panel.ScalarAsync<string?>("SELECT provider_ref FROM order_requests WHERE id = $1", request)));

        engine.Clock.Advance(TimeSpan.FromMinutes(10));
        await engine.RunAsync(JobNames.ProcessOrderRequests);

        Assert.Equal("done", await engine.Panel.ScalarAsync<string>("SELECT status FROM order_requests WHERE id = $1", request));
        Assert.Equal(1L, engine.Simulator.Record.Count("refill"));
    }

    [Fact]
    public async Task Blocking_a_user_cancels_what_was_not_sent_requests_provider_cancels_and_forfeits_the_balance()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, s => { s.PartialProbability = 0; s.CanceledProbability = 0; });
        var (_, service) = await engine.CreateProviderAndServiceAsync(cancel: true);
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        var started = await engine.Panel.PlaceOrderAsync(user, service, Link(), 1000);
        await engine.RunAsync(JobNames.DispatchOrders);
        var waiting = await engine.Panel.PlaceOrderAsync(user, service, Link(), 1000);

        await engine.Panel.ExecuteAsync("SELECT block_user($1, 'chargeback')", user);
        await engine.RunAsync(JobNames.ProcessOrderRequests);

        Assert.Equal("canceled", await engine.StatusAsync(waiting));
        Assert.Equal(1L, engine.Simulator.Record.Count("cancel"));
        Assert.Equal(0m, await engine.Panel.BalanceAsync(user));
        Assert.Equal(0m, await engine.Panel.LedgerSumAsync(user));
        Assert.Equal(-8m, await engine.Panel.ScalarAsync<decimal>("SELECT sum(amount) FROM ledger WHERE user_id = $1 AND kind = 'forfeit'", user));

        // The provider cancels; the refund that follows is forfeited too.
        engine.Clock.Advance(TimeSpan.FromMinutes(10));
        await engine.RunAsync(JobNames.SyncOrderStatus);
        await engine.RunAsync(JobNames.ProcessOrderRequests);

        Assert.Equal("canceled", await engine.StatusAsync(started));
        Assert.Equal(0m, await engine.Panel.BalanceAsync(user));
        Assert.Equal(-10m, await engine.Panel.ScalarAsync<decimal>("SELECT sum(amount) FROM ledger WHERE user_id = $1 AND kind = 'forfeit'", user));
        Assert.Equal(0m, await engine.Panel.LedgerSumAsync(user));
    }

    [Fact]
    public async Task With_forfeit_off_a_blocked_users_balance_is_kept()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, null, "--Fulfillment:Requests:ForfeitBlockedBalance=false");
        var (_, service) = await engine.CreateProviderAndServiceAsync();
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        var order = await engine.Panel.PlaceOrderAsync(user, service, Link(), 1000);

        await engine.Panel.ExecuteAsync("SELECT block_user($1, 'fraud')", user);
        await engine.RunAsync(JobNames.ProcessOrderRequests);

        Assert.Equal("canceled", await engine.StatusAsync(order));
        Assert.Equal(10m, await engine.Panel.BalanceAsync(user));
    }
}
