using System.Diagnostics;
using System.Globalization;
using Fulfillment.Benchmarks.Engine;
using Fulfillment.Benchmarks.Shared;
using Fulfillment.Engine.Dispatch;
using Fulfillment.Engine.Heartbeat;
using Fulfillment.Engine.Pricing;
using Fulfillment.Engine.Retention;
using Fulfillment.Engine.Tracking;
using Fulfillment.Worker.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Fulfillment.Benchmarks.Growth;

/// <summary>
/// <c>growth</c>: the engine's pickup p99 and its dispatch, status and finish passes (the <c>engine</c> verb's phases, smaller) on
/// an empty database and on databases with a finished history of each size of <c>--rows</c>, with the database's work per
/// order in each pass from <c>pg_stat_statements</c>, and the nightly retention pass. The verb owns its PostgreSQL clusters:
/// each size is seeded once (<see cref="HistorySeeder"/>: the engine's own writes, triggers on), left to autovacuum, and
/// stopped; every try measures a fresh copy of its files, so no try inherits another's orders, caches or dead rows. Tries
/// go empty, then each size, reversed every other try; each figure is the median of the tries' ratios to the empty database
/// measured in the same try.
/// </summary>
public static class GrowthBenchmark
{
    public const string Usage =
        "usage: Fulfillment.Benchmarks growth [--rows N,N,...] [--orders N] [--rate ORDERS_PER_S] [--pickup-seconds S] [--repeat N] [--autovacuum-wait S] [--quick] [--json PATH]";

    private const string Key = "bench";

    /// <summary>The simulator's speed in the measured passes: an order ends 10 s after its add, so the first check finds every order under way and the second, 15 s later, finds every one ended.</summary>
    private const double Speed = 8;

    /// <summary>A phase's statement work from pg_stat_statements: shared blocks hit, read, dirtied and written, and execution time.</summary>
    private sealed record Work(double Hit, double Read, double Dirtied, double Written, double Ms)
    {
        public double Blocks => Hit + Read + Dirtied;

        public Work Per(double orders) => new(Hit / orders, Read / orders, Dirtied / orders, Written / orders, Ms / orders);

        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"{Blocks:0.#} blocks/order (hit {Hit:0.#}, read {Read:0.##}, dirtied {Dirtied:0.##}; written {Written:0.##}), {Ms:0.###} ms/order");
    }

    private sealed record Point(long History, int Try, double PickupP50, double PickupP99, double Dispatch, double Status, double Finish, Work DispatchWork,
        Work StatusWork, Work FinishWork, double PurgeSeconds, string PurgeSteps, double StatsSeconds, string Sizes, string Plans, string Statements);

    public static async Task<int> RunAsync(string[] args)
    {
        if (VerbArgs.Parse(args, "rows", "orders", "rate", "pickup-seconds", "repeat", "autovacuum-wait", "json") is not { } values)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        var quick = values.IsQuick();
        var sizes = values.GetValueOrDefault("rows", quick ? "20000" : "2000000").Split(',').Select(s => long.Parse(s, CultureInfo.InvariantCulture)).Order().ToArray();
        var orders = values.Count("orders", quick ? 500 : 10_000);
        var repeat = Math.Max(1, values.Count("repeat", quick ? 1 : 5));
        // After seeding, autovacuum gets this long to finish what the history left it (a real history is written over years).
        var autovacuumWait = TimeSpan.FromSeconds(values.Number("autovacuum-wait", quick ? 5 : 600));
        var settings = new EngineBenchmarkArgs(orders, 0, values.Count("rate", quick ? 100 : 200), values.Number("pickup-seconds", quick ? 2 : 10), 1, 1000, 2000, 32, 32, 0, 0,
            PickupOnly: false, ProviderLatencyMs: 0, JsonPath: null);
        var report = new VerbReport("growth");
        report.Environment["load_average_before"] = VerbArgs.LoadAverage();
        var total = Stopwatch.StartNew();
        var root = Path.Combine(Path.GetTempPath(), "fulfillment-growth-" + Guid.NewGuid().ToString("N")[..12]);
        var templates = new Dictionary<long, GrowthCluster>();
        try
        {
            await using var sim = await SimulatorProcess.StartAsync(Key, new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["Balance"] = "1000000000000",
                ["DuplicateLinkRefusal"] = "false",
                ["PartialProbability"] = "0",
                ["CanceledProbability"] = "0",
                ["OverDeliveryProbability"] = "0",
                ["RecordRequests"] = "false",
            });

            // The empty database: schema, the bench panel (its provider points at this run's simulator), nothing else.
            Console.WriteLine($"growth: clusters under {root}");
            var empty = await GrowthCluster.CreateAsync(Path.Combine(root, "size-0"));
            await Fulfillment.Worker.Cli.SchemaMigrator.MigrateAsync(new NpgsqlConnectionStringBuilder(empty.ConnectionString) { Pooling = false }.ConnectionString, "qrtz_");
            long service;
            long provider;
            await using (var db = NpgsqlDataSource.Create(empty.ConnectionString))
            {
                var panel = await PanelLoad.SeedAsync(db, sim.ApiUrl, Key, userCount: 64);
                service = panel.Service;
                provider = await PanelLoad.ScalarAsync(db, "SELECT provider_id FROM services WHERE id = $1", service);
                report.Environment["postgres_settings"] = await PanelLoad.TextAsync(db,
                    "SELECT string_agg(name || '=' || setting || coalesce(unit, ''), ', ' ORDER BY name) FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers', 'autovacuum', 'autovacuum_naptime', 'work_mem', 'shared_preload_libraries', 'server_version')");
            }

            await empty.StopAsync();
            templates[0] = empty;

            foreach (var size in sizes)
            {
                var at = size.ToString(CultureInfo.InvariantCulture);
                var cluster = await empty.CopyAsync(Path.Combine(root, "size-" + at));
                templates[size] = cluster;
                await cluster.StartAsync();
                Console.WriteLine($"growth: seeding {size:N0} finished orders with their history...");
                await using (var db = NpgsqlDataSource.Create(cluster.ConnectionString))
                {
                    var seconds = await HistorySeeder.SeedAsync(db, service, provider, size, Console.WriteLine);
                    var waited = await AutovacuumAsync(db, autovacuumWait);
                    var tables = await PanelLoad.TextAsync(db, """
                        SELECT string_agg(relname || ' ' || pg_size_pretty(pg_total_relation_size(relid)) || ' (' || n_live_tup || ' live, ' || n_dead_tup || ' dead)', ', ' ORDER BY relname)
                        FROM pg_stat_user_tables WHERE relname IN ('orders', 'ledger', 'notifications', 'users', 'order_attempts')
                        """);
                    var events = await PanelLoad.TextAsync(db,
                        "SELECT count(*) || ' partitions, ' || pg_size_pretty(sum(pg_total_relation_size(inhrelid))) FROM pg_inherits WHERE inhparent = 'order_events'::regclass");
                    report.Details[$"seed_at_{at}"] = string.Create(CultureInfo.InvariantCulture,
                        $"seeded in {seconds:0} s ({size / Math.Max(seconds, 0.001):0} orders/s), then {waited.TotalSeconds:0} s until autovacuum was idle (limit {autovacuumWait.TotalSeconds:0} s); {tables}; order_events {events}");
                }

                await cluster.StopAsync();
                report.Details[$"cluster_mb_at_{at}"] = cluster.SizeMb();
            }

            var points = new List<Point>();
            for (var t = 0; t < repeat; t++)
            {
                IEnumerable<long> order = new long[] { 0 }.Concat(sizes);
                foreach (var size in t % 2 == 0 ? order : order.Reverse())
                {
                    Console.WriteLine($"growth: try {t + 1} of {repeat} with {size:N0} finished orders (load average {VerbArgs.LoadAverage()})...");
                    var copy = await templates[size].CopyAsync(Path.Combine(root, $"try-{t}-{size}"));
                    try
                    {
                        await copy.StartAsync();
                        points.Add(await MeasureAsync(copy, sim, settings, size, t));
                    }
                    finally
                    {
                        await copy.DeleteAsync();
                    }
                }
            }

            Summarise(report, points, sizes, repeat);
            report.Settings["sizes"] = string.Join(',', sizes);
            report.Settings["orders_per_measure"] = orders;
            report.Settings["pickup_rate_per_s"] = settings.Rate;
            report.Settings["pickup_seconds"] = settings.PickupSeconds;
            report.Settings["tries_per_size"] = repeat + " (each figure: the median of the tries' ratios to the empty database of the same try)";
            report.Settings["quick"] = quick;
            report.Settings["history"] = "per order the engine's writes with triggers on: placed (order, charge, event), claimed (dispatching, event), a sending attempt, accepted " +
                "(attempt, in_progress, event), a check's lease and progress, a second lease, fulfillment_finish_orders (finish event, notification, refund); " +
                "one deposit per user of 50 orders; notifications sent, those past 90 days deleted; 85% completed, 5% partial, 7% canceled, 3% failed; over 3 years, " +
                "month partitions of order_events as MaintainPartitions adds them; no VACUUM, ANALYZE or CHECKPOINT but autovacuum's";
            report.Settings["phases"] = $"dispatch: {orders} placed orders drained (Tool mode); status: their first check, every order under way; finish: their second check, " +
                "15 s later, every order ended (85% completed, 8% partial, 7% canceled at the provider)";
            report.Environment["cluster"] = "own clusters from " + templates[0].Bin + ": " + string.Join(' ', GrowthCluster.Settings);
            report.Environment["total_seconds"] = Math.Round(total.Elapsed.TotalSeconds, 1);
            report.Environment["load_average_after"] = VerbArgs.LoadAverage();
            report.Notes.Add("growth_ratio_*: 1.0 means the grown database costs nothing, 0.9 means 10% worse (throughput grown/empty; latency and blocks per order empty/grown).");
            report.Print();
            if (values.GetValueOrDefault("json") is { } path)
            {
                await report.WriteJsonAsync(path);
            }

            return 0;
        }
        finally
        {
            foreach (var cluster in templates.Values)
            {
                await cluster.StopAsync();
            }

            Directory.Delete(root, recursive: true);
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Where(double.IsFinite).Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static void Summarise(VerbReport report, List<Point> points, long[] sizes, int repeat)
    {
        Point Empty(int t) => points.Single(p => p.History == 0 && p.Try == t);
        var emptyPoints = points.Where(p => p.History == 0).ToList();
        // (figure suffix, throughput or latency-like, value)
        var measures = new (string Name, bool HigherIsBetter, Func<Point, double> Value)[]
        {
            ("pickup_p99", false, p => p.PickupP99),
            ("dispatch", true, p => p.Dispatch),
            ("status", true, p => p.Status),
            ("finish", true, p => p.Finish),
        };
        var blocks = new (string Name, Func<Point, Work> Value)[] { ("dispatch", p => p.DispatchWork), ("status", p => p.StatusWork), ("finish", p => p.FinishWork) };
        var largest = sizes.Length == 0 ? 0 : sizes[^1];
        var grownPoints = points.Where(p => p.History == largest).ToList();
        report.Add("growth_rows", largest, "orders", ">= 5000000", largest >= 5_000_000, "empty database", 0, ratio: double.NaN);
        foreach (var (name, higher, value) in measures)
        {
            var ratios = grownPoints.Select(p => higher ? value(p) / value(Empty(p.Try)) : value(Empty(p.Try)) / value(p)).ToList();
            var ratio = Median(ratios);
            report.Add($"growth_ratio_{name}", ratio, "x", ">= 0.9", ratio >= 0.9,
                $"the empty database's {name} in the same try (median {Median(emptyPoints.Select(value)):0.###})", Median(emptyPoints.Select(value)), ratio: ratio);
            report.Details[$"ratios_{name}"] = string.Join(" / ", ratios.Select(r => r.ToString("0.###", CultureInfo.InvariantCulture)));
        }

        foreach (var (name, work) in blocks)
        {
            var ratios = grownPoints.Select(p => work(Empty(p.Try)).Blocks / work(p).Blocks).ToList();
            var ratio = Median(ratios);
            var emptyBlocks = Median(emptyPoints.Select(p => work(p).Blocks));
            report.Add($"growth_blocks_ratio_{name}", ratio, "x", ">= 0.9", ratio >= 0.9,
                $"the empty database's blocks per order ({name}: hit + read + dirtied, pg_stat_statements) over the grown one's", emptyBlocks, ratio: ratio);
            report.Add($"growth_blocks_per_order_{name}", Median(grownPoints.Select(p => work(p).Blocks)), "blocks", "-", null, "empty database", emptyBlocks);
            report.Details[$"blocks_ratios_{name}"] = string.Join(" / ", ratios.Select(r => r.ToString("0.###", CultureInfo.InvariantCulture)));
        }

        report.Add("update_service_stats_seconds", Median(grownPoints.Select(p => p.StatsSeconds)), "s", "-", null, "empty database",
            Median(emptyPoints.Select(p => p.StatsSeconds)));
        foreach (var size in sizes)
        {
            var at = size.ToString(CultureInfo.InvariantCulture);
            var tries = points.Where(p => p.History == size).ToList();
            report.Add($"pickup_p99_ms_at_{at}", Median(tries.Select(p => p.PickupP99)), "ms", "-", null, "empty database (median)", Median(emptyPoints.Select(p => p.PickupP99)));
            report.Add($"dispatch_per_s_at_{at}", Median(tries.Select(p => p.Dispatch)), "orders/s", "-", null, "empty database (median)", Median(emptyPoints.Select(p => p.Dispatch)));
            report.Add($"status_sync_per_s_at_{at}", Median(tries.Select(p => p.Status)), "orders/s", "-", null, "empty database (median)", Median(emptyPoints.Select(p => p.Status)));
            report.Add($"finish_per_s_at_{at}", Median(tries.Select(p => p.Finish)), "orders/s", "-", null, "empty database (median)", Median(emptyPoints.Select(p => p.Finish)));
            report.Add($"nightly_purge_seconds_at_{at}", Median(tries.Select(p => p.PurgeSeconds)), "s", "-", null, "empty database (median)", Median(emptyPoints.Select(p => p.PurgeSeconds)));
        }

        report.Baselines["empty_pickup_p99_ms"] = VerbReport.Json(Median(emptyPoints.Select(p => p.PickupP99)));
        report.Baselines["empty_dispatch_per_s"] = VerbReport.Json(Median(emptyPoints.Select(p => p.Dispatch)));
        report.Baselines["empty_status_sync_per_s"] = VerbReport.Json(Median(emptyPoints.Select(p => p.Status)));
        report.Baselines["empty_finish_per_s"] = VerbReport.Json(Median(emptyPoints.Select(p => p.Finish)));
        foreach (var (name, work) in blocks)
        {
            report.Baselines[$"empty_blocks_per_order_{name}"] = VerbReport.Json(Median(emptyPoints.Select(p => work(p).Blocks)));
        }

        foreach (var p in points)
        {
            var key = $"try_{p.Try + 1}_at_{p.History.ToString(CultureInfo.InvariantCulture)}";
            report.Details[key] = string.Create(CultureInfo.InvariantCulture,
                $"pickup p50 {p.PickupP50:0.#} ms, p99 {p.PickupP99:0.#} ms; dispatch {p.Dispatch:0}/s, {p.DispatchWork}; status {p.Status:0}/s, {p.StatusWork}; " +
                $"finish {p.Finish:0}/s, {p.FinishWork}; nightly purge {p.PurgeSeconds:0.00} s ({p.PurgeSteps}); UpdateServiceStats {p.StatsSeconds:0.000} s; {p.Sizes}");
            if (p.Try == repeat - 1)
            {
                report.Details["plans_" + key] = p.Plans;
                report.Details["statements_" + key] = p.Statements;
            }
        }
    }

    /// <summary>Until no autovacuum worker has run for 25 s (three of the clusters' naptimes), or the limit passes: how long it took.</summary>
    private static async Task<TimeSpan> AutovacuumAsync(NpgsqlDataSource db, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        var idleSince = clock.Elapsed;
        while (clock.Elapsed < limit && clock.Elapsed - idleSince < TimeSpan.FromSeconds(25))
        {
            if (await PanelLoad.ScalarAsync(db, "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'") > 0)
            {
                idleSince = clock.Elapsed;
            }

            await Task.Delay(1000);
        }

        return clock.Elapsed;
    }

    /// <summary>The statements' totals so far (this database, top-level statements), by query id.</summary>
    private static async Task<Dictionary<long, (string Query, long Calls, Work Work)>> StatementsAsync(NpgsqlDataSource db)
    {
        var result = new Dictionary<long, (string, long, Work)>();
        await using var command = db.CreateCommand("""
            SELECT queryid, left(regexp_replace(query, '\s+', ' ', 'g'), 140), calls, shared_blks_hit, shared_blks_read, shared_blks_dirtied, shared_blks_written, total_exec_time
            FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND toplevel
            """);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            result[reader.GetInt64(0)] = (reader.GetString(1), reader.GetInt64(2),
                new Work(reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6), reader.GetDouble(7)));
        }

        return result;
    }

    /// <summary>This verb's own reads between the passes (snapshots, counts of the measured orders): not the engine's work.</summary>
    private static bool Ours(string query) =>
        query.Contains("pg_stat_statements", StringComparison.Ordinal) || query.StartsWith("SELECT count(*) FROM orders WHERE id BETWEEN", StringComparison.Ordinal);

    /// <summary>What the statements did between two snapshots: the total, and the costliest statements' share, for the details.</summary>
    private static (Work Total, string Top) Difference(Dictionary<long, (string Query, long Calls, Work Work)> before, Dictionary<long, (string Query, long Calls, Work Work)> after, double orders)
    {
        var rows = after.Select(kv =>
        {
            var was = before.TryGetValue(kv.Key, out var b) ? b : ("", 0L, new Work(0, 0, 0, 0, 0));
            var w = kv.Value.Work;
            return (kv.Value.Query, Calls: kv.Value.Calls - was.Item2,
                Work: new Work(w.Hit - was.Item3.Hit, w.Read - was.Item3.Read, w.Dirtied - was.Item3.Dirtied, w.Written - was.Item3.Written, w.Ms - was.Item3.Ms));
        }).Where(r => r.Calls > 0 && !Ours(r.Query)).ToList();
        var total = new Work(rows.Sum(r => r.Work.Hit), rows.Sum(r => r.Work.Read), rows.Sum(r => r.Work.Dirtied), rows.Sum(r => r.Work.Written), rows.Sum(r => r.Work.Ms));
        var top = string.Join(" | ", rows.OrderByDescending(r => r.Work.Blocks).Take(6).Select(r => string.Create(CultureInfo.InvariantCulture,
            $"{r.Work.Blocks / orders:0.##} blocks/order (read {r.Work.Read / orders:0.##}, dirtied {r.Work.Dirtied / orders:0.##}) in {r.Calls} calls: {r.Query}")));
        return (total.Per(orders), top);
    }

    /// <summary>
    /// The dispatch claim and the same-link lookup on the orders just placed (EXPLAIN ANALYZE in a transaction rolled
    /// back): what each reads as history grows.
    /// </summary>
    private static async Task<string> PlansAsync(NpgsqlDataSource db, long[] ids)
    {
        var batch = ids.Take(1000).ToArray();
        var links = new List<string>();
        var services = new List<long>();
        await using (var read = db.CreateCommand("SELECT link, service_id FROM orders WHERE id = ANY($1) ORDER BY id"))
        {
            read.Parameters.Add(new NpgsqlParameter { Value = batch });
            await using var reader = await read.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                links.Add(reader.GetString(0));
                services.Add(reader.GetInt64(1));
            }
        }

        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        async Task<string> Explain(string sql, params object?[] args)
        {
            await using var command = new NpgsqlCommand("EXPLAIN (ANALYZE, BUFFERS, TIMING OFF, COSTS OFF, SUMMARY ON) " + sql, connection, transaction);
            foreach (var arg in args)
            {
                command.Parameters.Add(arg is long[] or null ? new NpgsqlParameter { Value = arg ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Bigint } : new NpgsqlParameter { Value = arg });
            }

            var lines = new List<string>();
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                lines.Add(reader.GetString(0).Trim());
            }

            return string.Join(" | ", lines);
        }

        var claim = await Explain(Fulfillment.Engine.Dispatch.Sql.ClaimOrders.Sql, DateTimeOffset.UtcNow, 1000, null);
        var keys = links.Select(l => Fulfillment.Engine.Conflicts.ConflictKeys.LinkKey(l) ?? "").ToArray();
        var blockers = await Explain(Fulfillment.Engine.Dispatch.Sql.FindBlockers.Sql(Fulfillment.Engine.Configuration.ConflictScope.Service), batch, keys, services.ToArray(),
            services.Select(_ => 0L).ToArray(), services.Select(_ => "2").ToArray());
        // The held-order release (trigger orders_release_held, on every finish) as PL/pgSQL runs it after five calls: a generic
        // plan, with the function's own setting (enable_sort off).
        await using (var prepare = new NpgsqlCommand(
            "SET LOCAL plan_cache_mode = force_generic_plan; SET LOCAL enable_sort = off; PREPARE release_probe(bigint) AS SELECT id FROM orders WHERE held_by = $1 AND status = 'held' ORDER BY id LIMIT 1 FOR UPDATE",
            connection, transaction))
        {
            await prepare.ExecuteNonQueryAsync();
        }

        var release = await Explain("EXECUTE release_probe(1)");
        // The finish's charge lookup (fulfillment_finish_orders joins the batch to its charge rows) over the claimed batch.
        var charges = await Explain(
            "SELECT o.id, l.amount FROM orders o LEFT JOIN ledger l ON l.order_id = o.id AND l.kind = 'charge' WHERE o.id = ANY($1)", batch);
        await transaction.RollbackAsync();
        await using (var deallocate = new NpgsqlCommand("DEALLOCATE release_probe", connection))
        {
            await deallocate.ExecuteNonQueryAsync();
        }

        return $"claim: {claim} || blockers: {blockers} || release (generic): {release} || finish charge lookup: {charges}";
    }

    private static async Task<Point> MeasureAsync(GrowthCluster cluster, SimulatorProcess sim, EngineBenchmarkArgs a, long history, int attempt)
    {
        // The front end keeps its connections, as in the engine verb (no reset between requests).
        await using var db = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { MaxPoolSize = 200, NoResetOnClose = true }.ConnectionString);
        var users = new List<long>();
        await using (var read = db.CreateCommand("SELECT id FROM users WHERE username LIKE 'bench%' ORDER BY id"))
        await using (var reader = await read.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                users.Add(reader.GetInt64(0));
            }
        }

        var service = await PanelLoad.ScalarAsync(db, "SELECT id FROM services WHERE name = 'bench likes'");
        var panel = new PanelLoad(db, [.. users], service);
        string[] common =
        [
            $"--ConnectionStrings:Panel={cluster.ConnectionString}",
            "--Serilog:MinimumLevel:Default=Warning",
            "--Fulfillment:Tracking:FirstCheckAfter=00:00:00.001",
            "--Fulfillment:Dispatch:BatchSize=1000",
            "--Fulfillment:Dispatch:MaxParallelSends=64",
            "--Fulfillment:Tracking:BatchSize=2000",
            "--Fulfillment:Providers:Defaults:MaxConcurrency=32",
        ];
        using var tool = EngineHost.CreateBuilder(EngineMode.Tool, [.. common, "--Fulfillment:Engine:InstanceName=bench-tool"]).Build();
        await tool.Services.GetRequiredService<HeartbeatStore>().UpsertAsync(
            tool.Services.GetRequiredService<InstanceIdentity>(), DateTimeOffset.UtcNow, new { }, CancellationToken.None);

        await sim.SetAsync(new { SpeedFactor = 1, PartialProbability = 0, CanceledProbability = 0, DurationJitter = 0, UnknownStatusRate = 0, AltStatusSpellingRate = 0 });
        var pickup = new EngineReport();
        await EngineBenchmark.MeasurePickupAsync(db, panel, sim, [.. common, .. EngineBenchmark.ServiceSettings], a, pickup);

        var dispatcher = tool.Services.GetRequiredService<DispatchPass>();
        var tracker = tool.Services.GetRequiredService<StatusTracker>();
        // Every order of the passes ends 10 s after its add (speed 8, no jitter): 85% completed, 8% partial, 7% canceled.
        await sim.SetAsync(new
        {
            SpeedFactor = Speed,
            DurationJitter = 0,
            PartialProbability = 0.08,
            CanceledProbability = 0.07,
            OverDeliveryProbability = 0.05,
            AltStatusSpellingRate = 0.3,
            StringNumbersRate = 0.5,
            UnknownStatusRate = 0
        });
        // The pickup phase's orders are set aside before anything is timed (a setup write).
        await PanelLoad.ExecuteAsync(db, "UPDATE orders SET next_check_at = now() + interval '1 hour' WHERE status = 'in_progress'");
        var tag = $"{(char)('g' + Math.Min(attempt, 15))}{(char)('a' + (int)Math.Min(25, history / 1_000_000))}";
        var (ids, _) = await panel.PlaceManyAsync(tag, a.Orders, connections: 8);
        var plans = await PlansAsync(db, ids);

        var s0 = await StatementsAsync(db);
        var clock = Stopwatch.StartNew();
        await dispatcher.DrainAsync(CancellationToken.None);
        var dispatchSeconds = clock.Elapsed.TotalSeconds;
        var lastAdd = DateTimeOffset.UtcNow;
        var s1 = await StatementsAsync(db);
        var dispatched = await PanelLoad.ScalarAsync(db, "SELECT count(*) FROM orders WHERE id BETWEEN $1 AND $2 AND status = 'in_progress'", ids[0], ids[^1]);

        // The first check: every order under way (ended orders would make this the finish).
        clock.Restart();
        var checkedCount = await tracker.DrainAsync(CancellationToken.None);
        var statusSeconds = clock.Elapsed.TotalSeconds;
        var s2 = await StatementsAsync(db);
        var endedEarly = await PanelLoad.ScalarAsync(db, "SELECT count(*) FROM orders WHERE id BETWEEN $1 AND $2 AND status <> 'in_progress'", ids[0], ids[^1]);

        // The second check, once every order is due again (Tracking:MinInterval after its first check) and has ended at the provider.
        var due = await PanelLoad.ScalarAsync(db,
            "SELECT coalesce(ceil(extract(epoch FROM max(next_check_at) - now()) * 1000), 0)::bigint FROM orders WHERE id BETWEEN $1 AND $2 AND status = 'in_progress'",
            ids[0], ids[^1]);
        var wait = Max(DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(due + 500), lastAdd + TimeSpan.FromSeconds((80 / Speed) + 0.5)) - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        var s3 = await StatementsAsync(db);
        clock.Restart();
        var finishChecked = await tracker.DrainAsync(CancellationToken.None);
        var finishSeconds = clock.Elapsed.TotalSeconds;
        var s4 = await StatementsAsync(db);
        var finished = await PanelLoad.ScalarAsync(db, "SELECT count(*) FROM orders WHERE id BETWEEN $1 AND $2 AND status IN ('completed', 'partial', 'canceled')", ids[0], ids[^1]);

        var (dispatchWork, dispatchTop) = Difference(s0, s1, Math.Max(1, dispatched));
        var (statusWork, statusTop) = Difference(s1, s2, Math.Max(1, checkedCount));
        var (finishWork, finishTop) = Difference(s3, s4, Math.Max(1, finishChecked));

        // The nightly retention pass as configured by default (nothing in this history is old enough to anonymise: it walks and finds little).
        double purgeSeconds;
        string steps;
        double statsSeconds;
        using (var scope = tool.Services.CreateScope())
        {
            clock.Restart();
            var purge = await scope.ServiceProvider.GetRequiredService<RetentionRunner>().RunAsync(CancellationToken.None);
            purgeSeconds = clock.Elapsed.TotalSeconds;
            steps = string.Join(" ", purge.Steps.Where(s => s.Elapsed.TotalMilliseconds >= 50 || s.Rows > 0)
                .Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Step}:{s.Elapsed.TotalSeconds:0.00}s/{s.Rows}")));
            clock.Restart();
            await ActivatorUtilities.CreateInstance<UpdateServiceStatsJob>(scope.ServiceProvider).RunAsync(CancellationToken.None);
            statsSeconds = clock.Elapsed.TotalSeconds;
        }

        var sizes = await PanelLoad.TextAsync(db, """
            SELECT string_agg(relname || ' ' || pg_size_pretty(pg_total_relation_size(relid)), ', ' ORDER BY relname)
            FROM pg_stat_user_tables WHERE relname IN ('orders', 'ledger', 'notifications', 'users', 'order_attempts')
            """);
        sizes += string.Create(CultureInfo.InvariantCulture, $"; dispatched {dispatched}, first check {checkedCount} ({endedEarly} ended), second check {finishChecked} ({finished} finished)");
        return new Point(history, attempt, pickup.PickupP50, pickup.PickupP99, dispatched / dispatchSeconds, checkedCount / statusSeconds, finishChecked / finishSeconds,
            dispatchWork, statusWork, finishWork, purgeSeconds, steps, statsSeconds, sizes, plans,
            $"dispatch: {dispatchTop} || status: {statusTop} || finish: {finishTop}");
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
