using System.Diagnostics;
using Fulfillment.Simulator;
using Fulfillment.Tests.Infrastructure;

namespace Fulfillment.Tests.Lifecycle;

/// <summary>
/// The crash test: three engine processes on one database, one of them killed with SIGKILL and
/// restarted every few seconds while 20,000 orders flow through two faulty providers (the service's route 0
/// and its route 1); the first provider goes away for good mid-run, so orders fail over to the second.
/// Afterwards the invariants are checked across both providers and the figures printed.
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
        "--Fulfillment:Dispatch:FailoverAfter=00:00:02",
        // Orders in progress at the provider that went away can only go to review; sooner than the default two days.
        "--Fulfillment:Tracking:UnreachableReviewAfter=00:00:10",
        "--Fulfillment:Providers:Defaults:Timeout=00:00:02",
        "--Fulfillment:Providers:Defaults:RetryBaseDelay=00:00:00.05",
        "--Fulfillment:Providers:Defaults:CircuitBreakerFailureRatio=0.9",
    ];

    [Fact]
    public async Task Three_engines_one_killed_every_few_seconds_twenty_thousand_orders_over_two_providers_one_going_away_keep_every_invariant()
    {
        const int orders = 20_000;
        var simulators = await ProviderSimulator.StartManyAsync(2, (i, s) =>
        {
            s.ApiKey = $"kill-key-{i}";
            s.Seed = 11 + i;
            s.FaultRate = 0.10;
            s.SpeedFactor = 200;
            s.PartialProbability = 0.2;
            s.CanceledProbability = 0.1;
            s.LatencyMax = TimeSpan.FromMilliseconds(20);
        });
        await using var first = simulators[0];
        await using var second = simulators[1];
        var provider = await _panel.CreateProviderAsync("kill-loop", first.ApiUrl.ToString(), "kill-key-0");
        var backup = await _panel.CreateProviderAsync("kill-loop-backup", second.ApiUrl.ToString(), "kill-key-1");
        var service = await _panel.CreateServiceAsync(provider, rate: 0.9m, min: 50, max: 10_000, providerServiceId: "1");
        await _panel.ExecuteAsync("INSERT INTO service_routes (service_id, position, provider_id, provider_service_id) VALUES ($1, 1, $2, '1')", service, backup);
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
            var placed = 0;
            await Parallel.ForEachAsync(Enumerable.Range(0, orders), new ParallelOptions { MaxDegreeOfParallelism = 12 }, async (i, _) =>
            {
                await _panel.PlaceOrderAsync(users[i % users.Count], service, $"https://instagram.com/p/kill{i}", quantities[i]);
                if (Interlocked.Increment(ref placed) == orders / 2)
                {
                    // Mid-run, the first provider goes away for good: connections refused from now on.
                    await first.GoDownAsync();
                    Console.WriteLine($"kill-loop: the first provider went away after {clock.Elapsed}");
                }
            });
            Console.WriteLine($"kill-loop: placed {orders} orders in {clock.Elapsed} with {kills} kills so far");

            // However fast the orders went in, the engines are killed a fair number of times mid-flow.
            while (kills < 8)
            {
                await Task.Delay(500);
            }

            await stopKilling.CancelAsync();
            await killer;
            while (await _panel.ScalarAsync<long>(
                "SELECT count(*) FROM orders WHERE status NOT IN ('completed', 'partial', 'canceled', 'failed', 'review')") > 0)
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

        var statuses = await Invariants.AssertAllAsync(fixture.DataSource, [first, second], orders, "kill-loop");
        var moved = await _panel.ScalarAsync<long>("SELECT count(DISTINCT order_id) FROM order_events WHERE kind = 'rerouted'");
        var atBackup = await _panel.ScalarAsync<long>("SELECT count(*) FROM orders WHERE provider_id = $1", backup);
        Console.WriteLine($"kill-loop: {kills} SIGKILLs; settled after {clock.Elapsed}; {moved} orders failed over, {atBackup} went to the second provider; " +
            string.Join(", ", statuses.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}={kv.Value}")));
        Console.WriteLine("kill-loop: why orders failed over: " + await _panel.ScalarAsync<string>("""
            SELECT string_agg(why || ' x' || n, '; ' ORDER BY n DESC) FROM (
                SELECT regexp_replace(detail->>'reason', '[0-9]+', 'N', 'g') AS why, count(*) AS n FROM order_events WHERE kind = 'rerouted' GROUP BY 1 ORDER BY 2 DESC LIMIT 5) r
            """));
        Assert.True(kills >= 8, $"only {kills} kills happened");
        Assert.True(moved > 0, "no order failed over");
        Assert.True(atBackup >= orders / 4, $"only {atBackup} orders went to the second provider");
        // A move goes from a route to the next, once: never back, never twice (two routes).
        Assert.Equal(0L, await _panel.ScalarAsync<long>(
            "SELECT count(*) FROM (SELECT order_id FROM order_events WHERE kind = 'rerouted' GROUP BY order_id HAVING count(*) > 1) twice"));
        Assert.True(statuses.GetValueOrDefault("completed") > orders / 3, string.Join(", ", statuses));
    }
}
