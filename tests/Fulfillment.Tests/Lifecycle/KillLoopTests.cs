using System.Diagnostics;
using Fulfillment.Simulator;
using Fulfillment.Tests.Infrastructure;

namespace Fulfillment.Tests.Lifecycle;

/// <summary>
/// The crash test: three engine processes on one database, one of them killed with SIGKILL and restarted every few
/// seconds while 20,000 orders flow through two faulty simulated providers (in this process, so their records are read
/// directly): the services' route 0 and route 1. The first provider goes away for good mid-run, so orders fail over to the
/// second. Emulated drip-feed parents and subscriptions (posts appearing, pauses, the provider's and the users' cancels)
/// are among them (kills land on parents claimed, runs created, sent and recorded). Each kill is
/// aimed at an engine that has adds in flight (marked sent, not yet recorded); afterwards every order is compared with the
/// provider's record (<see cref="Invariants"/>), and every engine's error-level log lines are checked.
/// </summary>
public sealed class KillLoopTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    /// <summary>
    /// Error lines a SIGKILL can legitimately cause in the engines that survive it, matched against the whole JSON line.
    /// Empty: a kill is absorbed by the stale-instance sweep and dispatch recovery without an error anywhere.
    /// </summary>
    private static readonly string[] ExpectedErrors = [];

    private readonly Panel _panel = new(fixture.DataSource);

    private string[] Settings(string name) =>
    [
        "run",
        $"--ConnectionStrings:Panel={fixture.ConnectionString}",
        $"--Fulfillment:Engine:InstanceName={name}",
        "--Fulfillment:Logging:Format=json",
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
        "--Fulfillment:Tracking:SubscriptionMinInterval=00:00:00.5",
        "--Fulfillment:Tracking:SubscriptionMaxInterval=00:00:01",
        "--Fulfillment:Jobs:ProcessOrderRequests:Interval=00:00:01",
        "--Fulfillment:Dispatch:RetryBackoffMin=00:00:00.2",
        "--Fulfillment:Dispatch:RetryBackoffMax=00:00:01",
        "--Fulfillment:Dispatch:AbandonedAfter=00:01:00",
        // Long enough that a provider slow for a moment keeps its orders (the simulators share this busy process), short
        // enough that orders leave the one that went away well within the run.
        "--Fulfillment:Dispatch:FailoverAfter=00:00:15",
        // Orders in progress at the provider that went away can only go to review; sooner than the default two days.
        "--Fulfillment:Tracking:UnreachableReviewAfter=00:00:10",
        "--Fulfillment:Providers:Defaults:Timeout=00:00:02",
        "--Fulfillment:Providers:Defaults:MaxConcurrency=64",
        "--Fulfillment:Providers:Defaults:RetryBaseDelay=00:00:00.05",
        "--Fulfillment:Providers:Defaults:CircuitBreakerFailureRatio=0.9",
        // A drip-feed minute lasts a second here, so parents run all their runs while the engines are killed.
        "--Fulfillment:DripFeed:IntervalUnit=00:00:01",
        "--Fulfillment:DripFeed:CheckInterval=00:00:00.5",
    ];

    /// <summary>One SIGKILL: the victim's adds marked sent and not yet recorded at that instant, and the simulator's adds not yet answered.</summary>
    private sealed record Kill(string Victim, long[] SendingOrders, long SimulatorAddsInFlight);

    [Fact]
    public async Task Three_engines_one_killed_every_few_seconds_twenty_thousand_orders_over_two_providers_one_going_away_keep_every_invariant()
    {
        const int orders = 20_000;
        const int parents = 400;
        const int subscriptions = 1_000;
        // The simulators answer from this process while it places orders in parallel: enough threads that a busy moment
        // here does not look like a provider timing out (which opens the engines' circuit to it).
        ThreadPool.GetMinThreads(out var workers, out var completion);
        ThreadPool.SetMinThreads(Math.Max(workers, 64), Math.Max(completion, 64));
        var simulators = await ProviderSimulator.StartManyAsync(2, (i, s) =>
        {
            s.ApiKey = $"kill-key-{i}";
            s.Seed = 11 + i;
            s.FaultRate = 0.10;
            s.SpeedFactor = 200;
            s.PartialProbability = 0.2;
            s.CanceledProbability = 0.1;
            // Adds stay at the provider a while (and 64 go at once), so kills also land while the provider holds them.
            s.LatencyMin = TimeSpan.FromMilliseconds(50);
            s.LatencyMax = TimeSpan.FromMilliseconds(150);
            s.SubscriptionPauseProbability = 0.2;
            s.SubscriptionCanceledProbability = 0.2;
        });
        await using var first = simulators[0];
        await using var second = simulators[1];
        var provider = await _panel.CreateProviderAsync("kill-loop", first.ApiUrl.ToString(), "kill-key-0");
        var backup = await _panel.CreateProviderAsync("kill-loop-backup", second.ApiUrl.ToString(), "kill-key-1");
        var service = await _panel.CreateServiceAsync(provider, rate: 0.9m, min: 50, max: 10_000, providerServiceId: "1");
        var dripFeed = await _panel.CreateServiceAsync(provider, rate: 0.9m, min: 50, max: 10_000, providerServiceId: "1", cancel: true);
        await _panel.ExecuteAsync("UPDATE services SET dripfeed = true, dripfeed_mode = 'emulated' WHERE id = $1", dripFeed);
        var autoLikes = await _panel.CreateServiceAsync(provider, rate: 0.3m, min: 50, max: 5_000, type: "Subscriptions", cancel: true, providerServiceId: "8");
        foreach (var (routed, upstream) in new[] { (service, "1"), (dripFeed, "1"), (autoLikes, "8") })
        {
            await _panel.ExecuteAsync("INSERT INTO service_routes (service_id, position, provider_id, provider_service_id) VALUES ($1, 1, $2, $3)", routed, backup, upstream);
        }

        var users = new List<long>();
        for (var i = 0; i < 100; i++)
        {
            users.Add(await _panel.CreateUserAsync(deposit: 1000m));
        }

        var engines = Enumerable.Range(0, 3).Select(i => EngineProcess.Start(Settings($"kill-{i}"))).ToArray();
        var finished = new System.Collections.Concurrent.ConcurrentQueue<EngineProcess>();
        var kills = new List<Kill>();
        var clock = Stopwatch.StartNew();
        var aimed = 0;
        try
        {
            using var stopKilling = new CancellationTokenSource();
            var killer = Task.Run(async () =>
            {
                var random = new Random(5);
                while (!stopKilling.IsCancellationRequested)
                {
                    await Task.Delay(TimeSpan.FromSeconds(3), stopKilling.Token);
                    AssertRunning(engines);

                    // Aim: look for an engine with adds marked sent and not yet recorded, and kill it at once. An engine
                    // restarting takes seconds (many on a loaded machine), so look for up to twenty; if none shows any
                    // by then (nothing left to send), kill one at random.
                    var aim = Stopwatch.StartNew();
                    var victim = random.Next(engines.Length);
                    long[] sending = [];
                    while (sending.Length == 0 && aim.Elapsed < TimeSpan.FromSeconds(20))
                    {
                        foreach (var candidate in Enumerable.Range(0, engines.Length).OrderBy(_ => random.Next()))
                        {
                            sending = await SendingAsync($"kill-{candidate}", engines[candidate].StartedAt);
                            if (sending.Length > 0)
                            {
                                victim = candidate;
                                break;
                            }
                        }
                    }

                    // Every other aimed kill waits a little (up to about three add latencies) so it lands after some adds have
                    // left, rather than always in the instant after they were marked: on a loaded machine the first poll that
                    // sees the mark is often earlier than the first byte on the wire.
                    if (sending.Length > 0 && Volatile.Read(ref aimed) % 2 == 1)
                    {
                        await Task.Delay(random.Next(50, 400), CancellationToken.None);
                    }

                    if (sending.Length > 0)
                    {
                        Interlocked.Increment(ref aimed);
                    }

                    var name = $"kill-{victim}";
                    var inFlight = first.Record.InFlight("add") + second.Record.InFlight("add");
                    engines[victim].Kill();
                    lock (kills)
                    {
                        kills.Add(new Kill(name, sending, inFlight));
                    }

                    finished.Enqueue(engines[victim]);
                    engines[victim].Dispose();
                    engines[victim] = EngineProcess.Start(Settings(name));

                    // One engine down at a time: the next kill waits until this one is back (its instance row written). On
                    // a loaded machine an engine takes many seconds to start; killing on a fixed beat would keep all three
                    // starting and nothing would be sent but the batch each kill catches.
                    var restarted = engines[victim];
                    await Poll.UntilAsync(() => IsUpAsync(name, restarted.StartedAt), TimeSpan.FromMinutes(2), $"{name} to be back");
                }
            }, CancellationToken.None);

            var random = new Random(3);
            var quantities = Enumerable.Range(0, orders).Select(_ => random.Next(50, 1001)).ToArray();
            // Every 51st order is a drip-feed of 2 to 5 runs, 1 to 3 "minutes" apart, that the engines run themselves; of the
            // others every 20th is a subscription to 1 to 8 posts, one in ten canceled by its user at once.
            var total = orders + parents + subscriptions;
            var (drips, subs) = (0, 0);
            var kinds = Enumerable.Range(0, total).Select(i =>
                i % 51 == 50 && drips < parents ? ('d', drips++) : i % 20 == 19 && subs < subscriptions ? ('s', subs++) : ('o', 0)).ToArray();
            Assert.Equal((parents, subscriptions), (drips, subs));
            var posts = Enumerable.Range(0, subscriptions).Select(_ => random.Next(1, 9)).ToArray();
            // Mid-run, once the first provider has taken a fifth of the orders (however fast the engines go on this machine),
            // or a minute after the last order was placed if it is slower than that, it goes away for good: connections
            // refused from now on.
            var placedAt = TimeSpan.MaxValue;
            var goingAway = Task.Run(async () =>
            {
                await Poll.UntilAsync(() => first.Orders.All().Count >= orders / 5 || clock.Elapsed - placedAt > TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(8),
                    "the first provider to take a fifth of the orders", killer);
                await first.GoDownAsync();
                Console.WriteLine($"kill-loop: the first provider went away after {clock.Elapsed}, having taken {first.Orders.All().Count} orders");
            }, CancellationToken.None);
            await Parallel.ForEachAsync(Enumerable.Range(0, total), new ParallelOptions { MaxDegreeOfParallelism = 12 }, async (i, _) =>
            {
                Poll.Check([killer], "the orders to be placed");
                var user = users[i % users.Count];
                switch (kinds[i])
                {
                    case ('d', _):
                        await _panel.PlaceOrderAsync(user, dripFeed, $"https://instagram.com/p/drip{i}", quantities[i % orders],
                            $$"""{"runs": {{2 + (i % 4)}}, "interval": {{1 + (i % 3)}}}""");
                        break;
                    case ('s', var s):
                        var order = await _panel.PlaceOrderAsync(user, autoLikes, $"@kill_sub_{s}", 50 + (s % 200),
                            $$"""{"min": 50, "posts": {{posts[s]}}, "delay": {{(s % 3 == 0 ? 5 : 0)}}}""");
                        if (s % 10 == 0)
                        {
                            await _panel.ScalarAsync<long>("SELECT request_cancel($1)", order);
                        }

                        break;
                    default:
                        await _panel.PlaceOrderAsync(user, service, $"https://instagram.com/p/kill{i}", quantities[i % orders]);
                        break;
                }

            });
            Console.WriteLine($"kill-loop: placed {orders} orders, {parents} drip-feeds and {subscriptions} subscriptions in {clock.Elapsed} with {KillCount()} kills so far");
            placedAt = clock.Elapsed;
            await goingAway;

            // However fast the orders went in, the engines are killed a fair number of times mid-flow.
            await Poll.UntilAsync(() => KillCount() >= 8, TimeSpan.FromMinutes(5), "eight kills", killer);
            await stopKilling.CancelAsync();
            await killer.ContinueWith(_ => { }, TaskScheduler.Default);
            Assert.True(killer.IsCompletedSuccessfully || killer.IsCanceled, $"the killer failed: {killer.Exception}");

            await Poll.UntilAsync(
                async () =>
                {
                    AssertRunning(engines);
                    return await _panel.ScalarAsync<long>(Invariants.UnsettledSql);
                },
                open => open == 0, TimeSpan.FromMinutes(8), "every order to settle",
                async open => $"{open} open: " + await _panel.ScalarAsync<string>(
                    "SELECT string_agg(status || '=' || n, ', ') FROM (SELECT status, count(*) n FROM orders GROUP BY status) s"));
        }
        finally
        {
            foreach (var engine in engines)
            {
                engine.Kill();
                engine.Dispose();
                finished.Enqueue(engine);
            }
        }

        var statuses = await Invariants.AssertAllAsync(fixture.DataSource, [first, second], provider, orders + parents + subscriptions, "kill-loop");
        Console.WriteLine("kill-loop: subscriptions " + await _panel.ScalarAsync<string>("""
            SELECT string_agg(status || '=' || n, ', ' ORDER BY status) FROM (SELECT status, count(*) n FROM orders WHERE charged_posts IS NOT NULL GROUP BY status) s
            """));
        Assert.Equal(subscriptions, await _panel.ScalarAsync<long>("SELECT count(*) FROM orders WHERE charged_posts IS NOT NULL"));
        // The subscriptions ended every way: in full, partly served (provider's or user's cancel), before any post.
        Assert.Equal(3L, await _panel.ScalarAsync<long>(
            "SELECT count(DISTINCT status) FROM orders WHERE charged_posts IS NOT NULL AND status IN ('completed', 'partial', 'canceled')"));
        var dripFeeds = await _panel.ScalarAsync<string>("""
            SELECT string_agg(status || '=' || n, ', ' ORDER BY status)
                   || '; runs: ' || (SELECT count(*) FROM orders WHERE parent_id IS NOT NULL)
                   || ', of which in review: ' || (SELECT count(*) FROM orders WHERE parent_id IS NOT NULL AND status = 'review')
            FROM (SELECT status, count(*) n FROM orders WHERE emulated_runs IS NOT NULL GROUP BY status) s
            """);
        Console.WriteLine($"kill-loop: drip-feed parents {dripFeeds}");
        Assert.Equal(parents, await _panel.ScalarAsync<long>("SELECT count(*) FROM orders WHERE emulated_runs IS NOT NULL"));
        // A parent with a run caught at the first provider when it went away waits for a person (that run is in review, by
        // design); of the others, a fair share ran every run to the end.
        var unstuck = await _panel.ScalarAsync<long>(
            "SELECT count(*) FROM orders p WHERE p.emulated_runs IS NOT NULL AND NOT EXISTS (SELECT 1 FROM orders r WHERE r.parent_id = p.id AND r.status = 'review')");
        Assert.True(await _panel.ScalarAsync<long>("SELECT count(*) FROM orders WHERE emulated_runs IS NOT NULL AND status = 'completed'") > unstuck / 10,
            $"{dripFeeds}; parents with no run in review: {unstuck}");

        // The kills landed while adds were in flight, and the orders they caught went to review, never sent again
        // (Invariants checked that request by request) and never refunded.
        var caught = kills.SelectMany(k => k.SendingOrders).Distinct().ToArray();
        var recovered = await _panel.ScalarAsync<long>(
            "SELECT count(*) FROM orders WHERE id = ANY($1) AND status = 'review' AND error LIKE 'The engine stopped after sending this order%'", caught);
        var caughtLinks = await _panel.ScalarAsync<string>("SELECT string_agg(link, ' ') FROM orders WHERE id = ANY($1)", caught) ?? "";
        var caughtAtProvider = caughtLinks.Split(' ', StringSplitOptions.RemoveEmptyEntries).Count(l => first.Orders.CreatedCount(l) + second.Orders.CreatedCount(l) > 0);
        Console.WriteLine($"kill-loop: {kills.Count} SIGKILLs; settled after {clock.Elapsed}; adds marked sent and unrecorded at each kill: " +
            string.Join(" ", kills.Select(k => k.SendingOrders.Length)) + "; the simulator's adds in flight at each kill: " +
            string.Join(" ", kills.Select(k => k.SimulatorAddsInFlight)) + $"; {recovered} of those orders recovered to review, " +
            $"{caughtAtProvider} of them accepted by the provider");
        Assert.True(kills.Count >= 8, $"only {kills.Count} kills happened");
        Assert.True(kills.Count(k => k.SendingOrders.Length > 0) >= 5, "fewer than five kills landed while the victim had adds in flight");
        Assert.True(recovered > 0, "no order caught in flight by a kill was recovered to review");
        Assert.True(caughtAtProvider + kills.Sum(k => k.SimulatorAddsInFlight) > 0, "no kill landed after an add had reached the provider");
        Assert.True(statuses.GetValueOrDefault("completed") > orders / 3, string.Join(", ", statuses));

        // Orders failed over when the first provider went away, each once (two routes), and the second took a fair share.
        var moved = await _panel.ScalarAsync<long>("SELECT count(DISTINCT order_id) FROM order_events WHERE kind = 'rerouted'");
        var atBackup = await _panel.ScalarAsync<long>("SELECT count(*) FROM orders WHERE provider_id = $1", backup);
        Console.WriteLine($"kill-loop: {moved} orders failed over, {atBackup} went to the second provider; why: " + await _panel.ScalarAsync<string>("""
            SELECT string_agg(why || ' x' || n, '; ' ORDER BY n DESC) FROM (
                SELECT regexp_replace(detail->>'reason', '[0-9]+', 'N', 'g') AS why, count(*) AS n FROM order_events WHERE kind = 'rerouted' GROUP BY 1 ORDER BY 2 DESC LIMIT 5) r
            """));
        Assert.True(moved > 0, "no order failed over");
        Assert.True(atBackup >= orders / 4, $"only {atBackup} orders went to the second provider");
        // Orders the first provider had when it went away are settled by a person (review), never refunded meanwhile (Invariants).
        Assert.True(await _panel.ScalarAsync<long>("SELECT count(*) FROM orders WHERE status = 'review' AND provider_id = $1 AND error LIKE '%has failed every status call%'", provider) > 0,
            "no order was caught at the first provider when it went away");
        Assert.Equal(0L, await _panel.ScalarAsync<long>(
            "SELECT count(*) FROM (SELECT order_id FROM order_events WHERE kind = 'rerouted' GROUP BY order_id HAVING count(*) > 1) twice"));

        // No engine, killed or surviving, logged an error that a kill does not explain.
        var unexpected = finished.SelectMany(e => e.ErrorLines())
            .Where(line => !ExpectedErrors.Any(expected => line.Contains(expected, StringComparison.Ordinal))).ToList();
        Assert.True(unexpected.Count == 0, $"{unexpected.Count} unexpected error line(s) from {finished.Count} engine processes:\n" + string.Join("\n", unexpected.Take(20)));

        int KillCount()
        {
            lock (kills)
            {
                return kills.Count;
            }
        }
    }

    /// <summary>Whether the engine started at <paramref name="processStarted"/> has written its instance row.</summary>
    private async Task<bool> IsUpAsync(string name, DateTimeOffset processStarted) =>
        await _panel.ScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM engine_instances WHERE host = $1 AND started_at >= $2)", name, processStarted);

    /// <summary>The victim's orders marked sending and not yet recorded: adds in flight (or answered and not yet written).</summary>
    /// <remarks>The victim's own instance: the row its process wrote, not one a killed predecessor of the same name left.</remarks>
    private async Task<long[]> SendingAsync(string name, DateTimeOffset processStarted)
    {
        await using var command = fixture.DataSource.CreateCommand("""
            SELECT coalesce(array_agg(o.id), '{}') FROM orders o
            WHERE o.status = 'dispatching' AND EXISTS (SELECT 1 FROM order_attempts a WHERE a.order_id = o.id AND a.outcome = 'sending')
              AND o.claimed_by IN (SELECT id FROM engine_instances WHERE host = $1 AND started_at >= $2)
            """);
        command.Parameters.Add(new() { Value = name });
        command.Parameters.Add(new() { Value = processStarted });
        return (long[])(await command.ExecuteScalarAsync())!;
    }

    private static void AssertRunning(EngineProcess[] engines)
    {
        foreach (var engine in engines.Where(e => e.HasExited))
        {
            Assert.Fail("an engine process exited by itself:\n" + engine.Output);
        }
    }
}
