using System.Collections.Concurrent;
using System.Diagnostics;
using Fulfillment.Simulator;
using Fulfillment.Tests.Infrastructure;
using Npgsql;

namespace Fulfillment.Tests.Lifecycle;

/// <summary>
/// The crash test: three engine processes on one database, one of them killed with SIGKILL and restarted every few
/// seconds while 10,000 orders flow, in waves, one before each kill, through two faulty simulated providers (in this process, so
/// their records are read directly): the services' route 0 and route 1. The first provider goes away for good mid-run, so
/// orders fail over to the second. Emulated drip-feed parents and subscriptions (posts appearing, pauses, the provider's
/// and the users' cancels) are among them (kills land on parents claimed, runs created, sent and recorded). Each kill is
/// aimed at an engine that has adds in flight (marked sent, not yet recorded); afterwards every order is compared with the
/// provider's record (<see cref="Invariants"/>), and every engine's error-level log lines are checked.
/// </summary>
public sealed class KillLoopTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    /// <summary>
    /// Enough that every kind of evidence occurs in large numbers; the run's length grows with it. (Adds are in flight at
    /// every kill whatever the count: a wave of orders is placed before each.)
    /// </summary>
    private const int Orders = 10_000;

    private const int Parents = 200;
    private const int Subscriptions = 500;
    private const int MinimumKills = 8;

    /// <summary>
    /// Error lines a SIGKILL can legitimately cause in the engines that survive it, matched against the whole JSON line.
    /// Empty: a kill is absorbed by the stale-instance sweep and dispatch recovery without an error anywhere.
    /// </summary>
    private static readonly string[] ExpectedErrors = [];

    /// <summary>
    /// Between two reads of a query over every order (whether all have settled): on two cores, reading it in a tight loop
    /// takes the CPU from the engines it waits for.
    /// </summary>
    private static readonly TimeSpan EveryOrderPoll = TimeSpan.FromMilliseconds(250);

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
        // Once the first provider went away, every order still on its route is refused ("circuit open") and claimed again
        // after each back-off until this long has passed since its first refusal, and so is every drip-feed run created
        // afterwards, one run after another: the run's length is mostly this. Long enough that a provider slow for a moment
        // mostly keeps its orders (an order moved early breaks no promise), short enough that the refused ones leave soon.
        "--Fulfillment:Dispatch:FailoverAfter=00:00:03",
        // Orders in progress at the provider that went away can only go to review; sooner than the default two days.
        "--Fulfillment:Tracking:UnreachableReviewAfter=00:00:05",
        "--Fulfillment:Providers:Defaults:Timeout=00:00:02",
        "--Fulfillment:Providers:Defaults:MaxConcurrency=64",
        "--Fulfillment:Providers:Defaults:RetryBaseDelay=00:00:00.05",
        "--Fulfillment:Providers:Defaults:CircuitBreakerFailureRatio=0.9",
        // A drip-feed minute lasts a second here, so parents run all their runs while the engines are killed.
        "--Fulfillment:DripFeed:IntervalUnit=00:00:01",
        "--Fulfillment:DripFeed:CheckInterval=00:00:00.5",
        // One add in ten fails at both providers, so at the default threshold (5 errors) a route would be quarantined again
        // within a second of each release. Quarantines run, on seconds, every few hundred adds: the orders of a quarantined
        // route fail over or wait through the cooldown (woken as it ends) while engines are killed, and still settle.
        "--Fulfillment:Jobs:WatchHealth:Interval=00:00:02",
        "--Fulfillment:Quarantine:ErrorsPerHour=40",
        "--Fulfillment:Quarantine:Cooldowns:0=00:00:03",
        "--Fulfillment:Quarantine:Cooldowns:1=00:00:05",
        "--Fulfillment:Quarantine:Cooldowns:2=00:00:10",
    ];

    /// <summary>One SIGKILL: the victim's adds marked sent and not yet recorded at that instant, and the simulator's adds not yet answered.</summary>
    private sealed record Kill(string Victim, long[] SendingOrders, long SimulatorAddsInFlight);

    /// <summary>The two providers' rows and the three services routed over both: route 0 the first provider, route 1 the second.</summary>
    private sealed record Routes(long Provider, long Backup, long Service, long DripFeed, long AutoLikes);

    /// <summary>One order as the panel places it; a subscription its user cancels at once.</summary>
    private sealed record Placement(long Service, string Link, int Quantity, string Params, bool CanceledAtOnce);

    [Fact]
    public async Task Three_engines_one_killed_every_few_seconds_ten_thousand_orders_over_two_providers_one_going_away_keep_every_invariant()
    {
        var simulators = await StartTwoFaultyProvidersAsync();
        await using var first = simulators[0];
        await using var second = simulators[1];
        var routes = await CreateServicesRoutedOverBothAsync(first, second);
        var users = new List<long>();
        for (var i = 0; i < 100; i++)
        {
            users.Add(await _panel.CreateUserAsync(deposit: 1000m));
        }

        var clock = Stopwatch.StartNew();
        var cluster = new EngineCluster(fixture.DataSource, Settings, clock);
        var waves = new OrderWaves(fixture.DataSource, DescribeOrders(routes), users, clock);
        using var stopKilling = new CancellationTokenSource();
        var killer = Task.CompletedTask;
        try
        {
            await waves.PlaceNextAsync();
            await waves.PlaceNextAsync();
            killer = cluster.KillOneAtATimeAsync(first, second, waves.StartPlacingNextAsync, stopKilling.Token);
            var goingAway = TheFirstProviderGoesAwayAsync(first, waves, clock, killer);

            await Poll.UntilAsync(() => cluster.KillCount >= MinimumKills, TimeSpan.FromMinutes(8), $"{MinimumKills} kills", killer);
            await StopKillingAsync(stopKilling, killer);
            Assert.True(killer.IsCompletedSuccessfully || killer.IsCanceled, $"the killer failed: {killer.Exception}");
            await waves.PlacingAsync;
            await goingAway;

            await WaitUntilEveryOrderSettlesAsync(cluster, clock);
        }
        finally
        {
            // Also when the test failed: no engine is started again after the last one is killed, no order placed after.
            await StopKillingAsync(stopKilling, killer);
            await waves.PlacingAsync.ContinueWith(_ => { }, TaskScheduler.Default);
            cluster.KillAll();
        }

        var statuses = await Invariants.AssertAllAsync(fixture.DataSource, [first, second], routes.Provider, Orders + Parents + Subscriptions, "kill-loop");
        Assert.True(statuses.GetValueOrDefault("completed") > Orders / 3, string.Join(", ", statuses));
        await AssertSubscriptionsEndedEveryWayAsync();
        await AssertDripFeedParentsRanTheirRunsAsync();
        await AssertKillsLandedWithAddsInFlightAndWhatTheyCaughtWentToReviewAsync(cluster.Kills, first, second, clock);
        await AssertOrdersFailedOverOnceAndTheSecondProviderTookAFairShareAsync(routes);
        AssertNoEngineLoggedAnUnexpectedError(cluster.Finished);
    }

    private static async Task StopKillingAsync(CancellationTokenSource stopKilling, Task killer)
    {
        await stopKilling.CancelAsync();
        await killer.ContinueWith(_ => { }, TaskScheduler.Default);
    }

    private static async Task<IReadOnlyList<ProviderSimulator>> StartTwoFaultyProvidersAsync()
    {
        // The simulators answer from this process while it places orders: enough threads that a busy moment here does not
        // look like a provider timing out (which opens the engines' circuit to it).
        ThreadPool.GetMinThreads(out var workers, out var completion);
        ThreadPool.SetMinThreads(Math.Max(workers, 64), Math.Max(completion, 64));
        return await ProviderSimulator.StartManyAsync(2, (i, s) =>
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
    }

    private async Task<Routes> CreateServicesRoutedOverBothAsync(ProviderSimulator first, ProviderSimulator second)
    {
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

        return new Routes(provider, backup, service, dripFeed, autoLikes);
    }

    /// <summary>
    /// Mid-run, once the first provider has taken a fifth of the orders (however fast the engines go on this machine), or a
    /// minute after the last wave was placed if it is slower than that, it goes away for good: connections refused from then
    /// on. The waves placed later, most of them, fail over to the second provider: drip-feed parents with a run caught at the
    /// first one when it went away, and parents whose every run fails over.
    /// </summary>
    private static Task TheFirstProviderGoesAwayAsync(ProviderSimulator first, OrderWaves waves, Stopwatch clock, Task killer) => Task.Run(async () =>
    {
        await Poll.UntilAsync(() => Task.FromResult(first.Orders.Count >= Orders / 5 || clock.Elapsed - waves.LastPlacedAt > TimeSpan.FromMinutes(1)),
            gone => gone, TimeSpan.FromMinutes(8), "the first provider to take a fifth of the orders", null, TimeSpan.FromMilliseconds(100), killer);
        await first.GoDownAsync();
        Console.WriteLine($"kill-loop: the first provider went away after {clock.Elapsed}, having taken {first.Orders.Count} orders");
    }, CancellationToken.None);

    /// <summary>
    /// Every 51st order is a drip-feed of 2 to 5 runs, 1 to 3 "minutes" apart, that the engines run themselves; of the
    /// others every 20th is a subscription to 1 to 8 posts, one in ten canceled by its user at once.
    /// </summary>
    private static Placement[] DescribeOrders(Routes routes)
    {
        var random = new Random(3);
        var quantities = Enumerable.Range(0, Orders).Select(_ => random.Next(50, 1001)).ToArray();
        var total = Orders + Parents + Subscriptions;
        var (drips, subs) = (0, 0);
        var kinds = Enumerable.Range(0, total).Select(i =>
            i % 51 == 50 && drips < Parents ? ('d', drips++) : i % 20 == 19 && subs < Subscriptions ? ('s', subs++) : ('o', 0)).ToArray();
        Assert.Equal((Parents, Subscriptions), (drips, subs));
        var posts = Enumerable.Range(0, Subscriptions).Select(_ => random.Next(1, 9)).ToArray();
        return [.. Enumerable.Range(0, total).Select(i => kinds[i] switch
        {
            ('d', _) => new Placement(routes.DripFeed, $"https://instagram.com/p/drip{i}", quantities[i % Orders],
                $$"""{"runs": {{2 + (i % 4)}}, "interval": {{1 + (i % 3)}}}""", CanceledAtOnce: false),
            ('s', var s) => new Placement(routes.AutoLikes, $"@kill_sub_{s}", 50 + (s % 200),
                $$"""{"min": 50, "posts": {{posts[s]}}, "delay": {{(s % 3 == 0 ? 5 : 0)}}}""", CanceledAtOnce: s % 10 == 0),
            _ => new Placement(routes.Service, $"https://instagram.com/p/kill{i}", quantities[i % Orders], "{}", CanceledAtOnce: false),
        })];
    }

    private async Task WaitUntilEveryOrderSettlesAsync(EngineCluster cluster, Stopwatch clock)
    {
        const string byStatus = "SELECT string_agg(status || '=' || n, ', ' ORDER BY status) FROM (SELECT status, count(*) n FROM orders GROUP BY status) s";
        var reported = clock.Elapsed;
        await Poll.UntilAsync(
            async () =>
            {
                cluster.AssertRunning();
                if (clock.Elapsed - reported >= TimeSpan.FromSeconds(10))
                {
                    reported = clock.Elapsed;
                    Console.WriteLine($"kill-loop: {clock.Elapsed:mm\\:ss} " + await _panel.ScalarAsync<string>(byStatus));
                }

                return await _panel.ScalarAsync<long>(Invariants.UnsettledSql);
            },
            open => open == 0, TimeSpan.FromMinutes(8), "every order to settle",
            async open => $"{open} open: " + await _panel.ScalarAsync<string>(byStatus), EveryOrderPoll);
        Console.WriteLine($"kill-loop: {cluster.KillCount} SIGKILLs; settled after {clock.Elapsed}");
    }

    /// <summary>The subscriptions ended every way: in full, partly served (provider's or user's cancel), before any post.</summary>
    private async Task AssertSubscriptionsEndedEveryWayAsync()
    {
        Console.WriteLine("kill-loop: subscriptions " + await _panel.ScalarAsync<string>("""
            SELECT string_agg(status || '=' || n, ', ' ORDER BY status) FROM (SELECT status, count(*) n FROM orders WHERE charged_posts IS NOT NULL GROUP BY status) s
            """));
        Assert.Equal(Subscriptions, await _panel.ScalarAsync<long>("SELECT count(*) FROM orders WHERE charged_posts IS NOT NULL"));
        Assert.Equal(3L, await _panel.ScalarAsync<long>(
            "SELECT count(DISTINCT status) FROM orders WHERE charged_posts IS NOT NULL AND status IN ('completed', 'partial', 'canceled')"));
    }

    /// <summary>
    /// A parent with a run caught at the first provider when it went away waits for a person (that run is in review, by
    /// design); of the others, a fair share ran every run to the end.
    /// </summary>
    private async Task AssertDripFeedParentsRanTheirRunsAsync()
    {
        var dripFeeds = await _panel.ScalarAsync<string>("""
            SELECT string_agg(status || '=' || n, ', ' ORDER BY status)
                   || '; runs: ' || (SELECT count(*) FROM orders WHERE parent_id IS NOT NULL)
                   || ', of which in review: ' || (SELECT count(*) FROM orders WHERE parent_id IS NOT NULL AND status = 'review')
            FROM (SELECT status, count(*) n FROM orders WHERE emulated_runs IS NOT NULL GROUP BY status) s
            """);
        Console.WriteLine($"kill-loop: drip-feed parents {dripFeeds}");
        Assert.Equal(Parents, await _panel.ScalarAsync<long>("SELECT count(*) FROM orders WHERE emulated_runs IS NOT NULL"));
        var unstuck = await _panel.ScalarAsync<long>(
            "SELECT count(*) FROM orders p WHERE p.emulated_runs IS NOT NULL AND NOT EXISTS (SELECT 1 FROM orders r WHERE r.parent_id = p.id AND r.status = 'review')");
        Assert.True(await _panel.ScalarAsync<long>("SELECT count(*) FROM orders WHERE emulated_runs IS NOT NULL AND status = 'completed'") > unstuck / 10,
            $"{dripFeeds}; parents with no run in review: {unstuck}");
    }

    /// <summary>
    /// The kills landed while adds were in flight, and the orders they caught went to review, never sent again
    /// (<see cref="Invariants"/> checked that request by request) and never refunded.
    /// </summary>
    private async Task AssertKillsLandedWithAddsInFlightAndWhatTheyCaughtWentToReviewAsync(IReadOnlyList<Kill> kills, ProviderSimulator first,
        ProviderSimulator second, Stopwatch clock)
    {
        var caught = kills.SelectMany(k => k.SendingOrders).Distinct().ToArray();
        var recovered = await _panel.ScalarAsync<long>(
            "SELECT count(*) FROM orders WHERE id = ANY($1) AND status = 'review' AND error LIKE 'The engine stopped after sending this order%'", caught);
        var caughtLinks = await _panel.ScalarAsync<string>("SELECT string_agg(link, ' ') FROM orders WHERE id = ANY($1)", caught) ?? "";
        var caughtAtProvider = caughtLinks.Split(' ', StringSplitOptions.RemoveEmptyEntries).Count(l => first.Orders.CreatedCount(l) + second.Orders.CreatedCount(l) > 0);
        Console.WriteLine($"kill-loop: {kills.Count} SIGKILLs in {clock.Elapsed}; adds marked sent and unrecorded at each kill: " +
            string.Join(" ", kills.Select(k => k.SendingOrders.Length)) + "; the simulator's adds in flight at each kill: " +
            string.Join(" ", kills.Select(k => k.SimulatorAddsInFlight)) + $"; {recovered} of those orders recovered to review, " +
            $"{caughtAtProvider} of them accepted by the provider");
        Assert.True(kills.Count >= MinimumKills, $"only {kills.Count} kills happened");
        Assert.True(kills.Count(k => k.SendingOrders.Length > 0) >= 5, "fewer than five kills landed while the victim had adds in flight");
        Assert.True(recovered > 0, "no order caught in flight by a kill was recovered to review");
        Assert.True(caughtAtProvider + kills.Sum(k => k.SimulatorAddsInFlight) > 0, "no kill landed after an add had reached the provider");
    }

    /// <summary>
    /// Orders failed over when the first provider went away, each once (two routes), and the second took a fair share. Orders
    /// the first provider had when it went away are settled by a person (review), never refunded meanwhile (<see cref="Invariants"/>).
    /// </summary>
    private async Task AssertOrdersFailedOverOnceAndTheSecondProviderTookAFairShareAsync(Routes routes)
    {
        var moved = await _panel.ScalarAsync<long>("SELECT count(DISTINCT order_id) FROM order_events WHERE kind = 'rerouted'");
        var atBackup = await _panel.ScalarAsync<long>("SELECT count(*) FROM orders WHERE provider_id = $1", routes.Backup);
        Console.WriteLine($"kill-loop: {moved} orders failed over, {atBackup} went to the second provider; why: " + await _panel.ScalarAsync<string>("""
            SELECT string_agg(why || ' x' || n, '; ' ORDER BY n DESC) FROM (
                SELECT regexp_replace(detail->>'reason', '[0-9]+', 'N', 'g') AS why, count(*) AS n FROM order_events WHERE kind = 'rerouted' GROUP BY 1 ORDER BY 2 DESC LIMIT 5) r
            """));
        Assert.True(moved > 0, "no order failed over");
        Assert.True(atBackup >= Orders / 4, $"only {atBackup} orders went to the second provider");
        Assert.True(await _panel.ScalarAsync<long>("SELECT count(*) FROM orders WHERE status = 'review' AND provider_id = $1 AND error LIKE '%has failed every status call%'", routes.Provider) > 0,
            "no order was caught at the first provider when it went away");
        Assert.Equal(0L, await _panel.ScalarAsync<long>(
            "SELECT count(*) FROM (SELECT order_id FROM order_events WHERE kind = 'rerouted' GROUP BY order_id HAVING count(*) > 1) twice"));
        // Quarantines happened while engines were killed (a route's level counts its quarantines in the run).
        var quarantines = await _panel.ScalarAsync<long>("SELECT coalesce(sum(level), 0) FROM route_quarantines WHERE provider_id = $1", routes.Backup);
        Console.WriteLine($"kill-loop: the second provider's routes were quarantined {quarantines} times");
        Assert.True(quarantines > 0, "no route of the second provider was quarantined");
    }

    /// <summary>No engine, killed or surviving, logged an error that a kill does not explain.</summary>
    private static void AssertNoEngineLoggedAnUnexpectedError(IReadOnlyCollection<EngineProcess> finished)
    {
        var unexpected = finished.SelectMany(e => e.ErrorLines())
            .Where(line => !ExpectedErrors.Any(expected => line.Contains(expected, StringComparison.Ordinal))).ToList();
        Assert.True(unexpected.Count == 0, $"{unexpected.Count} unexpected error line(s) from {finished.Count} engine processes:\n" + string.Join("\n", unexpected.Take(20)));
    }

    /// <summary>
    /// The orders in waves, placed by the panel's own place_order: two at once, then one as each kill is aimed (the killer
    /// starts placing it, and aims meanwhile), so every kill finds adds in flight however slow the machine is (the wave
    /// before, or this one), and the orders flow for as long as the kills take. Each wave a statement for fifty orders of one user (its transaction holds that user's row
    /// until it commits: with two users, it could lock them in the opposite order to an engine refunding orders of both), on
    /// two connections that share no user.
    /// </summary>
    private sealed class OrderWaves(NpgsqlDataSource db, Placement[] orders, IReadOnlyList<long> users, Stopwatch clock)
    {
        /// <summary>Two at once, one before each of the kills.</summary>
        private const int Waves = MinimumKills + 2;

        private int _placed;
        private long _lastPlacedAt = TimeSpan.MaxValue.Ticks;

        /// <summary>When the last wave was placed; <see cref="TimeSpan.MaxValue"/> until then.</summary>
        public TimeSpan LastPlacedAt => TimeSpan.FromTicks(Volatile.Read(ref _lastPlacedAt));

        /// <summary>The wave being placed by <see cref="StartPlacingNextAsync"/>.</summary>
        public Task PlacingAsync { get; private set; } = Task.CompletedTask;

        /// <summary>Waits for the wave being placed (failing with it, should it fail), then starts placing the next one.</summary>
        public async Task StartPlacingNextAsync()
        {
            await PlacingAsync;
            PlacingAsync = PlaceNextAsync();
        }

        /// <summary>Places the next wave, if one is left.</summary>
        public async Task PlaceNextAsync()
        {
            if (_placed == Waves)
            {
                return;
            }

            var (from, to) = (orders.Length * _placed / Waves, orders.Length * (_placed + 1) / Waves);
            var statements = Enumerable.Range(from, to - from).GroupBy(i => (Block: i / (50 * users.Count), User: i % users.Count))
                .OrderBy(g => g.Key.Block).ThenBy(g => g.Key.User).ToList();
            await Task.WhenAll(Enumerable.Range(0, 2).Select(connection =>
                PlaceOnOneConnectionAsync([.. statements.Where(g => g.Key.User % 2 == connection).Select(g => g.ToArray())])));
            if (++_placed == Waves)
            {
                Volatile.Write(ref _lastPlacedAt, clock.Elapsed.Ticks);
                Console.WriteLine($"kill-loop: placed {Orders} orders, {Parents} drip-feeds and {Subscriptions} subscriptions in {clock.Elapsed}");
            }
        }

        private async Task PlaceOnOneConnectionAsync(IReadOnlyList<int[]> statements)
        {
            foreach (var chunk in statements)
            {
                await using var place = db.CreateCommand("""
                    SELECT t.n, place_order(t.u, t.s, t.l, t.q, t.p::jsonb)
                    FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::int[], $5::text[], $6::int[]) AS t(u, s, l, q, p, n) ORDER BY t.n
                    """);
                place.Parameters.Add(new() { Value = chunk.Select(i => users[i % users.Count]).ToArray() });
                place.Parameters.Add(new() { Value = chunk.Select(i => orders[i].Service).ToArray() });
                place.Parameters.Add(new() { Value = chunk.Select(i => orders[i].Link).ToArray() });
                place.Parameters.Add(new() { Value = chunk.Select(i => orders[i].Quantity).ToArray() });
                place.Parameters.Add(new() { Value = chunk.Select(i => orders[i].Params).ToArray() });
                place.Parameters.Add(new() { Value = chunk });
                var canceled = new List<long>();
                await using (var reader = await place.ExecuteReaderAsync())
                {
                    while (await reader.ReadAsync())
                    {
                        if (orders[reader.GetInt32(0)].CanceledAtOnce)
                        {
                            canceled.Add(reader.GetInt64(1));
                        }
                    }
                }

                await using var cancel = db.CreateCommand("SELECT count(request_cancel(id)) FROM unnest($1::bigint[]) AS id");
                cancel.Parameters.Add(new() { Value = canceled.ToArray() });
                await cancel.ExecuteScalarAsync();
            }
        }
    }

    /// <summary>
    /// Three engine processes, kill-0 to kill-2; one at a time is killed (SIGKILL), aimed at adds in flight, and started
    /// again under its name. Every process that ended is kept, for its output.
    /// </summary>
    private sealed class EngineCluster
    {
        /// <summary>Before each aim: with an engine's restart, kills come every few seconds.</summary>
        private static readonly TimeSpan Pause = TimeSpan.FromSeconds(1);

        /// <summary>How long to look for an engine with adds in flight before killing one at random (nothing left to send).</summary>
        private static readonly TimeSpan AimPatience = TimeSpan.FromSeconds(20);

        /// <summary>Between two looks at the three engines' adds in flight: a batch stays marked for several add latencies.</summary>
        private static readonly TimeSpan AimPoll = TimeSpan.FromMilliseconds(20);

        /// <summary>Between two looks for a restarted engine's instance row.</summary>
        private static readonly TimeSpan RestartPoll = TimeSpan.FromMilliseconds(50);

        private readonly NpgsqlDataSource _db;
        private readonly Func<string, string[]> _settings;
        private readonly Stopwatch _clock;
        private readonly EngineProcess[] _engines;
        private readonly List<Kill> _kills = [];
        private readonly ConcurrentQueue<EngineProcess> _finished = new();

        public EngineCluster(NpgsqlDataSource db, Func<string, string[]> settings, Stopwatch clock)
        {
            (_db, _settings, _clock) = (db, settings, clock);
            _engines = [.. Enumerable.Range(0, 3).Select(i => EngineProcess.Start(settings($"kill-{i}")))];
        }

        public int KillCount
        {
            get
            {
                lock (_kills)
                {
                    return _kills.Count;
                }
            }
        }

        public IReadOnlyList<Kill> Kills
        {
            get
            {
                lock (_kills)
                {
                    return [.. _kills];
                }
            }
        }

        public IReadOnlyCollection<EngineProcess> Finished => _finished;

        /// <summary>
        /// Every few seconds, runs <paramref name="beforeAim"/> (starts the next wave of orders), looks for an engine with adds
        /// marked sent and not yet recorded and kills it at once, every other time a little later; restarts it and waits until
        /// it is back before the next kill.
        /// </summary>
        public Task KillOneAtATimeAsync(ProviderSimulator first, ProviderSimulator second, Func<Task> beforeAim, CancellationToken stop) => Task.Run(async () =>
        {
            var random = new Random(5);
            var aimed = 0;
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(Pause, stop);
                AssertRunning();
                await beforeAim();
                var (victim, sending) = await AimAsync(random);

                // Every other aimed kill waits a little (up to about three add latencies) so it lands after some adds have
                // left, rather than always in the instant after they were marked: on a loaded machine the first poll that
                // sees the mark is often earlier than the first byte on the wire.
                if (sending.Length > 0 && aimed++ % 2 == 1)
                {
                    await Task.Delay(random.Next(50, 400), CancellationToken.None);
                }

                await KillAndRestartAsync(victim, sending, first.Record.InFlight("add") + second.Record.InFlight("add"));
            }
        }, CancellationToken.None);

        public void AssertRunning()
        {
            foreach (var engine in _engines.Where(e => e.HasExited))
            {
                Assert.Fail("an engine process exited by itself:\n" + engine.Output);
            }
        }

        public void KillAll()
        {
            foreach (var engine in _engines)
            {
                engine.Kill();
                engine.Dispose();
                _finished.Enqueue(engine);
            }
        }

        /// <summary>
        /// An engine with adds marked sent and not yet recorded, with those orders. An engine restarting takes seconds (many on
        /// a loaded machine), so this looks for a while; if none shows any by then (nothing left to send), one at random.
        /// </summary>
        private async Task<(int Victim, long[] Sending)> AimAsync(Random random)
        {
            var aim = Stopwatch.StartNew();
            var victim = random.Next(_engines.Length);
            while (aim.Elapsed < AimPatience)
            {
                foreach (var candidate in Enumerable.Range(0, _engines.Length).OrderBy(_ => random.Next()))
                {
                    var sending = await SendingAsync($"kill-{candidate}", _engines[candidate].StartedAt);
                    if (sending.Length > 0)
                    {
                        return (candidate, sending);
                    }
                }

                await Task.Delay(AimPoll);
            }

            return (victim, []);
        }

        /// <summary>
        /// SIGKILL, and the same engine started again. One engine down at a time: this returns once it is back (its instance
        /// row written). On a loaded machine an engine takes many seconds to start; killing on a fixed beat would keep all
        /// three starting and nothing would be sent but the batch each kill catches.
        /// </summary>
        private async Task KillAndRestartAsync(int victim, long[] sending, long simulatorAddsInFlight)
        {
            var name = $"kill-{victim}";
            var killedAt = _clock.Elapsed;
            _engines[victim].Kill();
            lock (_kills)
            {
                _kills.Add(new Kill(name, sending, simulatorAddsInFlight));
            }

            _finished.Enqueue(_engines[victim]);
            _engines[victim].Dispose();
            var restarted = _engines[victim] = EngineProcess.Start(_settings(name));
            await Poll.UntilAsync(() => IsUpAsync(name, restarted.StartedAt), up => up, TimeSpan.FromMinutes(2), $"{name} to be back", null, RestartPoll);
            Console.WriteLine($"kill-loop: kill {KillCount} at {killedAt:mm\\:ss\\.f} ({name}, {sending.Length} adds marked sent), back after {_clock.Elapsed - killedAt:ss\\.f} s");
        }

        /// <summary>Whether the engine started at <paramref name="processStarted"/> has written its instance row.</summary>
        private async Task<bool> IsUpAsync(string name, DateTimeOffset processStarted)
        {
            await using var command = _db.CreateCommand("SELECT EXISTS (SELECT 1 FROM engine_instances WHERE host = $1 AND started_at >= $2)");
            command.Parameters.Add(new() { Value = name });
            command.Parameters.Add(new() { Value = processStarted });
            return (bool)(await command.ExecuteScalarAsync())!;
        }

        /// <summary>The victim's orders marked sending and not yet recorded: adds in flight (or answered and not yet written).</summary>
        /// <remarks>The victim's own instance: the row its process wrote, not one a killed predecessor of the same name left.</remarks>
        private async Task<long[]> SendingAsync(string name, DateTimeOffset processStarted)
        {
            await using var command = _db.CreateCommand("""
                SELECT coalesce(array_agg(o.id), '{}') FROM orders o
                WHERE o.status = 'dispatching' AND EXISTS (SELECT 1 FROM order_attempts a WHERE a.order_id = o.id AND a.outcome = 'sending')
                  AND o.claimed_by IN (SELECT id FROM engine_instances WHERE host = $1 AND started_at >= $2)
                """);
            command.Parameters.Add(new() { Value = name });
            command.Parameters.Add(new() { Value = processStarted });
            return (long[])(await command.ExecuteScalarAsync())!;
        }
    }
}
