using System.Diagnostics;
using Fulfillment.Simulator;
using Fulfillment.Tests.Infrastructure;

namespace Fulfillment.Tests.Lifecycle;

/// <summary>
/// The crash test: three engine processes on one database, one of them killed with SIGKILL and
/// restarted every few seconds while 20,000 orders flow through a faulty simulator, with emulated
/// drip-feed parents among them (kills land on parents claimed, runs created, sent and recorded).
/// Afterwards the invariants are checked and the figures printed.
/// </summary>
public sealed class KillLoopTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private readonly Panel _panel = new(fixture.DataSource);

    private string[] Settings(string name) =>
    [
        "run",
        $"--ConnectionStrings:Panel={fixture.ConnectionString}",
        $"--Fulfillment:Engine:InstanceName={name}",
        "--Serilog:MinimumLevel:Default=Error",
        "--Fulfillment:Engine:HeartbeatInterval=00:00:00.5",
        "--Fulfillment:Engine:StaleInstanceAfter=00:00:02",
        "--Fulfillment:Engine:ShutdownTimeout=00:00:05",
        "--Fulfillment:Scheduler:CheckinInterval=00:00:01",
        "--Fulfillment:Jobs:DispatchOrders:Interval=00:00:01",
        "--Fulfillment:Jobs:SyncOrderStatus:Interval=00:00:00.5",
        "--Fulfillment:Jobs:CheckProviderBalances:Enabled=false",
        "--Fulfillment:Jobs:SyncProviderServices:Enabled=false",
        "--Fulfillment:Jobs:PurgeExpiredData:Enabled=false",
        "--Fulfillment:Tracking:FirstCheckAfter=00:00:00.5",
        "--Fulfillment:Tracking:MinInterval=00:00:00.5",
        "--Fulfillment:Tracking:MaxInterval=00:00:01",
        "--Fulfillment:Tracking:Lease=00:00:05",
        "--Fulfillment:Dispatch:RetryBackoffMin=00:00:00.2",
        "--Fulfillment:Dispatch:RetryBackoffMax=00:00:01",
        "--Fulfillment:Dispatch:AbandonedAfter=00:01:00",
        "--Fulfillment:Providers:Defaults:Timeout=00:00:02",
        "--Fulfillment:Providers:Defaults:RetryBaseDelay=00:00:00.05",
        "--Fulfillment:Providers:Defaults:CircuitBreakerFailureRatio=0.9",
        // A drip-feed minute lasts a second here, so parents run all their runs while the engines are killed.
        "--Fulfillment:DripFeed:IntervalUnit=00:00:01",
        "--Fulfillment:DripFeed:CheckInterval=00:00:00.5",
    ];

    [Fact]
    public async Task Three_engines_one_killed_every_few_seconds_twenty_thousand_orders_keep_every_invariant()
    {
        const int orders = 20_000;
        const int parents = 400;
        await using var simulator = await ProviderSimulator.StartAsync(new SimulatorSettings
        {
            ApiKey = "kill-key",
            Seed = 11,
            FaultRate = 0.10,
            SpeedFactor = 200,
            PartialProbability = 0.2,
            CanceledProbability = 0.1,
            LatencyMax = TimeSpan.FromMilliseconds(20),
        });
        var provider = await _panel.CreateProviderAsync("kill-loop", simulator.ApiUrl.ToString(), "kill-key");
        var service = await _panel.CreateServiceAsync(provider, rate: 0.9m, min: 50, max: 10_000, providerServiceId: "1");
        var dripFeed = await _panel.CreateServiceAsync(provider, rate: 0.9m, min: 50, max: 10_000, providerServiceId: "1", cancel: true);
        await _panel.ExecuteAsync("UPDATE services SET dripfeed = true, dripfeed_mode = 'emulated' WHERE id = $1", dripFeed);
        var users = new List<long>();
        for (var i = 0; i < 100; i++)
        {
            users.Add(await _panel.CreateUserAsync(deposit: 1000m));
        }

        var engines = Enumerable.Range(0, 3).Select(i => EngineProcess.Start(Settings($"kill-{i}"))).ToArray();
        var kills = 0;
        var clock = Stopwatch.StartNew();
        try
        {
            using var stopKilling = new CancellationTokenSource();
            var killer = Task.Run(async () =>
            {
                var random = new Random(5);
                while (!stopKilling.IsCancellationRequested)
                {
                    await Task.Delay(TimeSpan.FromSeconds(3));
                    var victim = random.Next(engines.Length);
                    engines[victim].Kill();
                    engines[victim].Dispose();
                    engines[victim] = EngineProcess.Start(Settings($"kill-{victim}"));
                    kills++;
                }
            });

            var random = new Random(3);
            var quantities = Enumerable.Range(0, orders).Select(_ => random.Next(50, 1001)).ToArray();
            // Every 50th order is a drip-feed of 2 to 5 runs, 1 to 3 "minutes" apart, that the engines run themselves.
            await Parallel.ForEachAsync(Enumerable.Range(0, orders + parents), new ParallelOptions { MaxDegreeOfParallelism = 12 }, async (i, _) =>
                await (i % 51 == 50
                    ? _panel.PlaceOrderAsync(users[i % users.Count], dripFeed, $"https://instagram.com/p/drip{i}", quantities[i % orders],
                        $$"""{"runs": {{2 + (i % 4)}}, "interval": {{1 + (i % 3)}}}""")
                    : _panel.PlaceOrderAsync(users[i % users.Count], service, $"https://instagram.com/p/kill{i}", quantities[i % orders])));
            Console.WriteLine($"kill-loop: placed {orders} orders and {parents} drip-feeds in {clock.Elapsed} with {kills} kills so far");

            // However fast the orders went in, the engines are killed a fair number of times mid-flow.
            while (kills < 8)
            {
                await Task.Delay(500);
            }

            await stopKilling.CancelAsync();
            await killer;
            while (await _panel.ScalarAsync<long>(Invariants.UnsettledSql) > 0)
            {
                Assert.True(clock.Elapsed < TimeSpan.FromMinutes(8), "orders did not settle: " + await _panel.ScalarAsync<string>(
                    "SELECT string_agg(status || '=' || n, ', ') FROM (SELECT status, count(*) n FROM orders GROUP BY status) s"));
                await Task.Delay(1000);
            }
        }
        finally
        {
            foreach (var engine in engines)
            {
                engine.Dispose();
            }
        }

        var statuses = await Invariants.AssertAllAsync(fixture.DataSource, simulator, orders + parents, "kill-loop");
        Console.WriteLine($"kill-loop: {kills} SIGKILLs; settled after {clock.Elapsed}; " + string.Join(", ", statuses.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}={kv.Value}")));
        var dripFeeds = await _panel.ScalarAsync<string>("""
            SELECT string_agg(status || '=' || n, ', ' ORDER BY status)
                   || '; runs: ' || (SELECT count(*) FROM orders WHERE parent_id IS NOT NULL)
                   || ', of which in review: ' || (SELECT count(*) FROM orders WHERE parent_id IS NOT NULL AND status = 'review')
            FROM (SELECT status, count(*) n FROM orders WHERE emulated_runs IS NOT NULL GROUP BY status) s
            """);
        Console.WriteLine($"kill-loop: drip-feed parents {dripFeeds}");
        Assert.True(kills >= 8, $"only {kills} kills happened");
        Assert.True(statuses.GetValueOrDefault("completed") > orders / 2, string.Join(", ", statuses));
        Assert.Equal(parents, await _panel.ScalarAsync<long>("SELECT count(*) FROM orders WHERE emulated_runs IS NOT NULL"));
        Assert.True(await _panel.ScalarAsync<long>("SELECT count(*) FROM orders WHERE emulated_runs IS NOT NULL AND status = 'completed'") > parents / 10, dripFeeds);
    }
}
