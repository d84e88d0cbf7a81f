using System.Diagnostics;
using Fulfillment.Simulator;
using Fulfillment.Tests.Infrastructure;
using Fulfillment.Worker.Hosting;
using Microsoft.Extensions.Hosting;

namespace Fulfillment.Tests.Lifecycle;

/// <summary>place_order's NOTIFY wakes the engine: a database of its own, so its order never mixes with the soak's.</summary>
public sealed class NotifyTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private readonly Panel _panel = new(fixture.DataSource);

    private string[] Settings(string name) => FastEngine.Settings(fixture.ConnectionString, name);

    [Fact]
    public async Task A_new_order_reaches_the_provider_within_moments_of_place_order()
    {
        await using var simulator = await ProviderSimulator.StartAsync(new SimulatorSettings { ApiKey = "notify-key" });
        var provider = await _panel.CreateProviderAsync(url: simulator.ApiUrl.ToString(), key: "notify-key");
        var service = await _panel.CreateServiceAsync(provider, rate: 1m, providerServiceId: "1");
        var user = await _panel.CreateUserAsync(deposit: 100m);
        using var host = EngineHost.CreateBuilder(EngineMode.Service,
        [
            .. Settings("notify"),
            "--Fulfillment:Jobs:DispatchOrders:Interval=01:00:00", // only the listener can dispatch in time
        ]).Build();
        await host.StartAsync();
        try
        {
            // The listener is up: its connection sits idle after LISTEN.
            await Poll.UntilAsync(async () => await _panel.ScalarAsync<long>(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle' AND query = $1",
                    $"LISTEN {Fulfillment.Engine.Dispatch.NewOrderListener.Channel}") > 0,
                TimeSpan.FromSeconds(60), "the engine to LISTEN for new orders");
            var link = $"https://instagram.com/p/{Guid.NewGuid():N}";
            var placed = Stopwatch.StartNew();
            await _panel.PlaceOrderAsync(user, service, link, 100);
            await Poll.UntilAsync(() => simulator.Record.AddCount(link) > 0, TimeSpan.FromSeconds(10), "the add to reach the provider");

            Assert.True(placed.Elapsed < TimeSpan.FromSeconds(2), $"the add arrived after {placed.ElapsedMilliseconds} ms");
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task An_order_placed_while_a_slow_provider_holds_a_batch_goes_out_without_waiting_for_it()
    {
        // One provider answers adds after 15 s, the other at once.
        await using var slow = await ProviderSimulator.StartAsync(new SimulatorSettings
        {
            ApiKey = "slow-key",
            LatencyMin = TimeSpan.FromSeconds(15),
            LatencyMax = TimeSpan.FromSeconds(15),
        });
        await using var fast = await ProviderSimulator.StartAsync(new SimulatorSettings { ApiKey = "fast-key" });
        var slowService = await _panel.CreateServiceAsync(await _panel.CreateProviderAsync(url: slow.ApiUrl.ToString(), key: "slow-key"), rate: 1m,
            providerServiceId: "1");
        var fastService = await _panel.CreateServiceAsync(await _panel.CreateProviderAsync(url: fast.ApiUrl.ToString(), key: "fast-key"), rate: 1m,
            providerServiceId: "1");
        var user = await _panel.CreateUserAsync(deposit: 100m);
        using var host = EngineHost.CreateBuilder(EngineMode.Service,
        [
            .. Settings("notify-overlap"),
            "--Fulfillment:Jobs:DispatchOrders:Interval=01:00:00", // only the listener dispatches
            "--Fulfillment:Providers:Defaults:Timeout=00:00:30", // the slow add is answered, not timed out
        ]).Build();
        await host.StartAsync();
        try
        {
            await Poll.UntilAsync(async () => await _panel.ScalarAsync<long>(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle' AND query = $1",
                    $"LISTEN {Fulfillment.Engine.Dispatch.NewOrderListener.Channel}") > 0,
                TimeSpan.FromSeconds(60), "the engine to LISTEN for new orders");
            var slowLink = $"https://instagram.com/p/{Guid.NewGuid():N}";
            var slowOrder = await _panel.PlaceOrderAsync(user, slowService, slowLink, 100);
            // Its add is on its way: marked sending, answered 15 s from now.
            await Poll.UntilAsync(async () => await _panel.ScalarAsync<long>(
                    "SELECT count(*) FROM orders o WHERE id = $1 AND status = 'dispatching' AND EXISTS (SELECT 1 FROM order_attempts a WHERE a.order_id = o.id AND a.outcome = 'sending')", slowOrder) == 1,
                TimeSpan.FromSeconds(10), "the slow order's add to leave");

            var fastLink = $"https://instagram.com/p/{Guid.NewGuid():N}";
            var placed = Stopwatch.StartNew();
            var fastOrder = await _panel.PlaceOrderAsync(user, fastService, fastLink, 100);
            await Poll.UntilAsync(() => fast.Record.AddCount(fastLink) > 0, TimeSpan.FromSeconds(20), "the second order's add to reach its provider");
            var waited = placed.Elapsed;

            // It did not wait for the slow add, which was still unanswered (a pass that waited for it took 15 s; the margin is
            // for a machine busy with the rest of the suite); both end sent once and tracked.
            Assert.True(waited < TimeSpan.FromSeconds(8), $"the second order's add arrived {waited.TotalMilliseconds:0} ms after place_order");
            Assert.Equal("dispatching", await _panel.ScalarAsync<string>("SELECT status FROM orders WHERE id = $1", slowOrder));
            await Poll.UntilAsync(async () => await _panel.ScalarAsync<long>(
                    "SELECT count(*) FROM orders WHERE id IN ($1, $2) AND provider_order_id IS NOT NULL", slowOrder, fastOrder) == 2,
                TimeSpan.FromSeconds(40), "both orders to be recorded as accepted");
            Assert.Equal(1, slow.Record.AddCount(slowLink));
            Assert.Equal(1, fast.Record.AddCount(fastLink));
            Assert.Equal(0, slow.Record.AddCount(fastLink) + fast.Record.AddCount(slowLink));
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
