using System.Diagnostics;
using System.Globalization;
using Fulfillment.Benchmarks.Engine;
using Fulfillment.Benchmarks.Shared;
using Fulfillment.Engine.Dispatch;
using Fulfillment.Engine.Heartbeat;
using Fulfillment.Engine.Retention;
using Fulfillment.Engine.Tracking;
using Fulfillment.LocalPostgres;
using Fulfillment.Worker.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Fulfillment.Benchmarks.Growth;

/// <summary>
/// <c>growth</c>: the engine's pickup p99, dispatch and status sync rates (the <c>engine</c> verb's phases, smaller) on one
/// database as its finished history grows, 0 first, then each size of <c>--rows</c> in turn (history added set-based,
/// then <c>VACUUM ANALYZE</c>, as autovacuum would have done by then), and the nightly retention pass at each size.
/// Every figure is compared with the empty database's in the same run.
/// </summary>
public static class GrowthBenchmark
{
    public const string Usage = "usage: Fulfillment.Benchmarks growth [--rows N,N,...] [--orders N] [--rate ORDERS_PER_S] [--pickup-seconds S] [--repeat N] [--json PATH]";

    private const string Key = "bench";

    private sealed record Point(long History, double PickupP50, double PickupP99, double Dispatch, double Status, double PurgeSeconds, string PurgeSteps,
        double SeedSeconds, string Sizes, string Plans);

    public static async Task<int> RunAsync(string[] args)
    {
        if (VerbArgs.Parse(args, "rows", "orders", "rate", "pickup-seconds", "repeat", "json") is not { } values)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        var sizes = values.GetValueOrDefault("rows", "1000000,5000000").Split(',').Select(s => long.Parse(s, CultureInfo.InvariantCulture)).Order().ToArray();
        var orders = values.Count("orders", 10_000);
        // Each size is measured this many times and each figure keeps its best (lowest p99, highest rate): on a machine
        // shared with other work a load spike during one measurement otherwise decides the ratio. Every try is in the details.
        var repeat = Math.Max(1, values.Count("repeat", 2));
        var settings = new EngineBenchmarkArgs(orders, 0, values.Count("rate", 200), values.Number("pickup-seconds", 10), 1, 1000, 2000, 32, 32, 0, 0, PickupOnly: false, ProviderLatencyMs: 0, JsonPath: null);
        var report = new VerbReport("growth");
        report.Environment["load_average_before"] = VerbArgs.LoadAverage();
        var total = Stopwatch.StartNew();
        await using var server = await PostgresServer.StartAsync(Console.WriteLine);
        var name = $"bench_growth_{Guid.NewGuid():N}"[..32];
        var connectionString = await server.CreateDatabaseAsync(name);
        try
        {
            await Fulfillment.Worker.Cli.SchemaMigrator.MigrateAsync(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString, "qrtz_");
            await using var sim = await SimulatorProcess.StartAsync(Key, new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["Balance"] = "1000000000000",
                ["DuplicateLinkRefusal"] = "false",
                ["PartialProbability"] = "0",
                ["CanceledProbability"] = "0",
                ["OverDeliveryProbability"] = "0",
                ["RecordRequests"] = "false",
            });
            // The front end keeps its connections, as in the engine verb (no reset between requests).
            await using var db = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = 200, NoResetOnClose = true }.ConnectionString);
            var panel = await PanelLoad.SeedAsync(db, sim.ApiUrl, Key, userCount: 64);
            var provider = await PanelLoad.ScalarAsync(db, "SELECT provider_id FROM services WHERE id = $1", panel.Service);
            string[] common =
            [
                $"--ConnectionStrings:Panel={connectionString}",
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

            var points = new List<Point>();
            long history = 0;
            foreach (var size in new long[] { 0 }.Concat(sizes))
            {
                var seedSeconds = 0.0;
                if (size > history)
                {
                    Console.WriteLine($"growth: adding {size - history:N0} finished orders with their history...");
                    seedSeconds = await HistorySeeder.SeedAsync(db, panel.Service, provider, size - history, Console.WriteLine);
                    history = size;
                    Console.WriteLine("growth: VACUUM ANALYZE...");
                    await PanelLoad.ExecuteAsync(db, "VACUUM ANALYZE");
                    await PanelLoad.ExecuteAsync(db, "CHECKPOINT");
                }

                var tries = new List<Point>();
                for (var t = 0; t < repeat; t++)
                {
                    Console.WriteLine($"growth: measuring with {history:N0} finished orders in the database (try {t + 1} of {repeat}, load average {VerbArgs.LoadAverage()})...");
                    tries.Add(await MeasureAsync(db, panel, sim, tool, common, settings, history, seedSeconds, t));
                }

                report.Details[$"tries_at_{history.ToString(CultureInfo.InvariantCulture)}"] = string.Join(" / ", tries.Select(p => string.Create(CultureInfo.InvariantCulture,
                    $"p99 {p.PickupP99:0.#} ms, dispatch {p.Dispatch:0}/s, status {p.Status:0}/s, purge {p.PurgeSeconds:0.00} s")));
                // The first try after the history was added reads it from outside shared buffers; the statements of every try.
                for (var t = 1; t < tries.Count; t++)
                {
                    report.Details[$"plans_at_{history.ToString(CultureInfo.InvariantCulture)}_try_{t + 1}"] = tries[t].Plans;
                }

                points.Add(tries[0] with
                {
                    PickupP50 = tries.Min(p => p.PickupP50),
                    PickupP99 = tries.Min(p => p.PickupP99),
                    Dispatch = tries.Max(p => p.Dispatch),
                    Status = tries.Max(p => p.Status),
                    PurgeSeconds = tries.Min(p => p.PurgeSeconds),
                });
            }

            var empty = points[0];
            var grown = points[^1];
            report.Add("growth_rows", grown.History, "orders", ">= 5000000", grown.History >= 5_000_000, "empty database", 0, ratio: double.NaN);
            report.Add("growth_ratio_pickup_p99", empty.PickupP99 / grown.PickupP99, "x", ">= 0.9", empty.PickupP99 / grown.PickupP99 >= 0.9,
                "empty database's pickup p99 (ms) over the grown one's", empty.PickupP99, ratio: empty.PickupP99 / grown.PickupP99);
            report.Add("growth_ratio_dispatch", grown.Dispatch / empty.Dispatch, "x", ">= 0.9", grown.Dispatch / empty.Dispatch >= 0.9,
                "empty database's dispatch orders/s", empty.Dispatch, ratio: grown.Dispatch / empty.Dispatch);
            report.Add("growth_ratio_status", grown.Status / empty.Status, "x", ">= 0.9", grown.Status / empty.Status >= 0.9,
                "empty database's status sync orders/s", empty.Status, ratio: grown.Status / empty.Status);
            foreach (var p in points.Skip(1))
            {
                var at = p.History.ToString(CultureInfo.InvariantCulture);
                report.Add($"pickup_p99_ms_at_{at}", p.PickupP99, "ms", "-", null, "empty database", empty.PickupP99, ratio: empty.PickupP99 / p.PickupP99);
                report.Add($"dispatch_per_s_at_{at}", p.Dispatch, "orders/s", "-", null, "empty database", empty.Dispatch);
                report.Add($"status_sync_per_s_at_{at}", p.Status, "orders/s", "-", null, "empty database", empty.Status);
                report.Add($"nightly_purge_seconds_at_{at}", p.PurgeSeconds, "s", "-", null, "empty database", empty.PurgeSeconds);
            }

            report.Baselines["empty_pickup_p50_ms"] = VerbReport.Json(empty.PickupP50);
            report.Baselines["empty_pickup_p99_ms"] = VerbReport.Json(empty.PickupP99);
            report.Baselines["empty_dispatch_per_s"] = VerbReport.Json(empty.Dispatch);
            report.Baselines["empty_status_sync_per_s"] = VerbReport.Json(empty.Status);
            report.Baselines["empty_nightly_purge_seconds"] = VerbReport.Json(empty.PurgeSeconds);
            foreach (var p in points)
            {
                var at = p.History.ToString(CultureInfo.InvariantCulture);
                report.Details[$"at_{at}"] = string.Create(CultureInfo.InvariantCulture,
                    $"pickup p50 {p.PickupP50:0.#} ms, p99 {p.PickupP99:0.#} ms, dispatch {p.Dispatch:0}/s, status {p.Status:0}/s, nightly purge {p.PurgeSeconds:0.00} s ({p.PurgeSteps}), seeded in {p.SeedSeconds:0} s; {p.Sizes}");
                report.Details[$"plans_at_{at}"] = p.Plans;
            }

            report.Settings["sizes"] = string.Join(',', sizes);
            report.Settings["orders_per_measure"] = orders;
            report.Settings["pickup_rate_per_s"] = settings.Rate;
            report.Settings["pickup_seconds"] = settings.PickupSeconds;
            report.Settings["tries_per_size"] = repeat + " (each figure keeps its best try)";
            report.Settings["history"] = "per order: placed, dispatching, accepted and finish events (failed: placed, finish); a charge, and a refund when refunded; " +
                "one deposit per user of 50 orders; a notification for orders of the last 90 days; 85% completed, 5% partial, 7% canceled, 3% failed; over 3 years";
            report.Environment["postgres"] = server.Source;
            report.Environment["total_seconds"] = Math.Round(total.Elapsed.TotalSeconds, 1);
            report.Environment["load_average_after"] = VerbArgs.LoadAverage();
            report.Environment["postgres_settings"] = await PanelLoad.TextAsync(db,
                "SELECT string_agg(name || '=' || setting || coalesce(unit, ''), ', ' ORDER BY name) FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers', 'autovacuum', 'work_mem')");
            report.Notes.Add("growth_ratio_*: 1.0 means the grown database costs nothing, 0.9 means 10% worse (throughput grown/empty; latency empty/grown).");
            report.Print();
            if (values.GetValueOrDefault("json") is { } path)
            {
                await report.WriteJsonAsync(path);
            }

            return 0;
        }
        finally
        {
            await server.DropDatabaseAsync(name);
        }
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

    private static async Task<Point> MeasureAsync(NpgsqlDataSource db, PanelLoad panel, SimulatorProcess sim, Microsoft.Extensions.Hosting.IHost tool,
        string[] common, EngineBenchmarkArgs a, long history, double seedSeconds, int attempt)
    {
        await sim.SetAsync(new { SpeedFactor = 1, PartialProbability = 0, CanceledProbability = 0, DurationJitter = 0, UnknownStatusRate = 0, AltStatusSpellingRate = 0 });
        var pickup = new EngineReport();
        await EngineBenchmark.MeasurePickupAsync(db, panel, sim, [.. common, .. EngineBenchmark.ServiceSettings], a, pickup);

        var dispatcher = tool.Services.GetRequiredService<DispatchPass>();
        var tracker = tool.Services.GetRequiredService<StatusTracker>();
        await sim.SetAsync(EngineBenchmark.StatusMixSettings);
        await PanelLoad.ExecuteAsync(db, "UPDATE orders SET next_check_at = now() + interval '1 hour' WHERE status = 'in_progress'");
        var tag = $"{(char)('g' + attempt)}{(char)('a' + (int)Math.Min(25, history / 1_000_000))}";
        var (ids, _) = await panel.PlaceManyAsync(tag, a.Orders, connections: 8);
        var plans = await PlansAsync(db, ids);
        var statements = await ResetStatementsAsync(db);
        var clock = Stopwatch.StartNew();
        var started = DateTimeOffset.UtcNow;
        await dispatcher.DrainAsync(CancellationToken.None);
        var dispatchSeconds = clock.Elapsed.TotalSeconds;
        var dispatchStatements = statements ? await StatementsTextAsync(db) : "";
        var middle = started + (clock.Elapsed / 2);
        var dispatched = await PanelLoad.ScalarAsync(db, "SELECT count(*) FROM orders WHERE id BETWEEN $1 AND $2 AND status = 'in_progress'", ids[0], ids[^1]);
        var wait = middle + TimeSpan.FromSeconds(5) - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        if (statements)
        {
            await ResetStatementsAsync(db);
        }

        clock.Restart();
        var checkedCount = await tracker.DrainAsync(CancellationToken.None);
        var statusSeconds = clock.Elapsed.TotalSeconds;
        var statusStatements = statements ? await StatementsTextAsync(db) : "";

        // The nightly retention pass as configured by default (nothing in this history is old enough to anonymise: it walks and finds little).
        double purgeSeconds;
        string steps;
        using (var scope = tool.Services.CreateScope())
        {
            clock.Restart();
            var purge = await scope.ServiceProvider.GetRequiredService<RetentionRunner>().RunAsync(CancellationToken.None);
            purgeSeconds = clock.Elapsed.TotalSeconds;
            steps = string.Join(" ", purge.Steps.Where(s => s.Elapsed.TotalMilliseconds >= 50 || s.Rows > 0)
                .Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Step}:{s.Elapsed.TotalSeconds:0.00}s/{s.Rows}")));
        }

        // The measured orders become history too (finished as completed: nothing to refund).
        await PanelLoad.ExecuteAsync(db, "UPDATE orders SET status = 'completed', finished_at = now(), updated_at = now() WHERE status = 'in_progress'");
        var sizes = await PanelLoad.TextAsync(db, """
            SELECT string_agg(relname || ' ' || pg_size_pretty(pg_total_relation_size(relid)), ', ' ORDER BY relname)
            FROM pg_stat_user_tables WHERE relname IN ('orders', 'ledger', 'order_events', 'notifications', 'users')
            """);
        if (statements)
        {
            plans += $" || statements during dispatch: {dispatchStatements} || statements during status sync: {statusStatements}";
        }

        return new Point(history, pickup.PickupP50, pickup.PickupP99, dispatched / dispatchSeconds, checkedCount / statusSeconds, purgeSeconds, steps, seedSeconds, sizes, plans);
    }

    /// <summary>
    /// When the server has pg_stat_statements loaded (a diagnostic cluster: FULFILLMENT_TEST_POSTGRES), resets its counts
    /// so the phase that follows can be explained statement by statement. Returns whether it is available.
    /// </summary>
    private static async Task<bool> ResetStatementsAsync(NpgsqlDataSource db)
    {
        try
        {
            await PanelLoad.ExecuteAsync(db, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
            await PanelLoad.ExecuteAsync(db, "SELECT pg_stat_statements_reset()");
            await PanelLoad.ExecuteAsync(db, "SELECT pg_stat_reset()");
            return true;
        }
        catch (PostgresException)
        {
            return false;
        }
    }

    /// <summary>
    /// The phase's costliest statements (total execution time, calls, rows, shared blocks hit, read, dirtied and written), then
    /// the blocks each table and index read from outside shared buffers and the rows updated (HOT or not).
    /// </summary>
    private static async Task<string> StatementsTextAsync(NpgsqlDataSource db)
    {
        await Task.Delay(TimeSpan.FromSeconds(1.5)); // backends report table and index counters at most once a second
        var statements = await PanelLoad.TextAsync(db, """
            SELECT string_agg(format('%s ms / %s calls / %s rows / hit %s read %s dirtied %s written %s: %s', round(total_exec_time::numeric, 1), calls, rows,
                                     shared_blks_hit, shared_blks_read, shared_blks_dirtied, shared_blks_written, left(regexp_replace(query, '\s+', ' ', 'g'), 160)), ' | ')
            FROM (SELECT * FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
                  ORDER BY total_exec_time DESC LIMIT 12) s
            """);
        var tables = await PanelLoad.TextAsync(db, """
            SELECT string_agg(format('%s: heap read %s hit %s, updated %s (HOT %s), inserted %s', t.relname, t.heap_blks_read, t.heap_blks_hit,
                                     s.n_tup_upd, s.n_tup_hot_upd, s.n_tup_ins), '; ' ORDER BY t.heap_blks_read DESC)
            FROM pg_statio_user_tables t JOIN pg_stat_user_tables s USING (relid)
            WHERE t.heap_blks_read + t.heap_blks_hit > 0
            """);
        var indexes = await PanelLoad.TextAsync(db, """
            SELECT string_agg(format('%s read %s hit %s', indexrelname, idx_blks_read, idx_blks_hit), '; ' ORDER BY idx_blks_read DESC)
            FROM (SELECT * FROM pg_statio_user_indexes WHERE idx_blks_read > 0 ORDER BY idx_blks_read DESC LIMIT 12) i
            """);
        return $"{statements} || tables: {tables} || indexes: {indexes}";
    }
}
