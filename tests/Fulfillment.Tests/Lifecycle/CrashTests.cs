using Fulfillment.Simulator;
using Fulfillment.Tests.Infrastructure;

namespace Fulfillment.Tests.Lifecycle;

/// <summary>The engine process killed (SIGKILL) while its adds are in flight, then restarted.</summary>
public sealed class CrashTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private readonly Panel _panel = new(fixture.DataSource);

    private string[] Settings(string name) =>
    [
        "run",
        $"--ConnectionStrings:Panel={fixture.ConnectionString}",
        $"--Fulfillment:Engine:InstanceName={name}",
        "--Fulfillment:Engine:HeartbeatInterval=00:00:00.5",
        "--Fulfillment:Engine:StaleInstanceAfter=00:00:02",
        "--Fulfillment:Scheduler:CheckinInterval=00:00:01",
        "--Fulfillment:Jobs:DispatchOrders:Interval=00:00:01",
        "--Fulfillment:Jobs:PurgeExpiredData:Enabled=false",
        "--Fulfillment:Jobs:SyncProviderServices:Enabled=false",
        "--Fulfillment:Providers:Defaults:Timeout=00:00:30",
    ];

    [Fact]
    public async Task Killed_after_sending_and_before_recording_the_orders_go_to_review_and_are_never_sent_again()
    {
        await using var simulator = await ProviderSimulator.StartAsync(new SimulatorSettings
        {
            ApiKey = "crash-key",
            LatencyMin = TimeSpan.FromSeconds(4),
            LatencyMax = TimeSpan.FromSeconds(4),
        });
        var provider = await _panel.CreateProviderAsync(url: simulator.ApiUrl.ToString(), key: "crash-key");
        var service = await _panel.CreateServiceAsync(provider, rate: 1m, providerServiceId: "1");
        var user = await _panel.CreateUserAsync(deposit: 100m);
        var links = Enumerable.Range(0, 5).Select(i => $"https://instagram.com/p/crash{i}{Guid.NewGuid():N}").ToArray();

        using (var engine = EngineProcess.Start(Settings("crash-1")))
        {
            foreach (var link in links)
            {
                await _panel.PlaceOrderAsync(user, service, link, 100);
            }

            await Poll.UntilAsync(() =>
            {
                Assert.False(engine.HasExited, "the engine exited by itself:\n" + engine.Output);
                return links.All(l => simulator.Record.AddCount(l) > 0);
            }, TimeSpan.FromSeconds(60), "the adds to arrive");

            engine.Kill(); // SIGKILL: the answers are still 4 s away
        }

        Assert.Equal(5L, await _panel.ScalarAsync<long>(
            "SELECT count(*) FROM orders o WHERE user_id = $1 AND status = 'dispatching' " +
            "AND EXISTS (SELECT 1 FROM order_attempts a WHERE a.order_id = o.id AND a.outcome = 'sending')", user));

        using (var restarted = EngineProcess.Start(Settings("crash-2")))
        {
            await Poll.UntilAsync(async () =>
            {
                Assert.False(restarted.HasExited, "the restarted engine exited by itself:\n" + restarted.Output);
                return await _panel.ScalarAsync<long>("SELECT count(*) FROM orders WHERE user_id = $1 AND status = 'dispatching'", user) == 0;
            }, TimeSpan.FromSeconds(60), "the abandoned orders to be recovered");

            restarted.SendSigterm();
            await restarted.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }

        Assert.Equal(5L, await _panel.ScalarAsync<long>(
            "SELECT count(*) FROM orders WHERE user_id = $1 AND status = 'review' AND error LIKE '%release_order%'", user));
        Assert.All(links, link => Assert.Equal(1, simulator.Record.AddCount(link)));
        Assert.Equal(await _panel.BalanceAsync(user), await _panel.LedgerSumAsync(user));
        Assert.Equal(0L, await _panel.ScalarAsync<long>("SELECT count(*) FROM ledger WHERE user_id = $1 AND kind = 'refund'", user));
    }
}
