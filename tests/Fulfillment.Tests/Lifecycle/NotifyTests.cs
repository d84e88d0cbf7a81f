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
}
