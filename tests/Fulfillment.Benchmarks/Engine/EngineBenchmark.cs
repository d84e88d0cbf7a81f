using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using Fulfillment.Benchmarks.Shared;
using Fulfillment.Data;
using Fulfillment.Engine.Configuration;
using Fulfillment.Engine.Dispatch;
using Fulfillment.Engine.Heartbeat;
using Fulfillment.Engine.Tracking;
using Fulfillment.LocalPostgres;
using Fulfillment.Worker.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Fulfillment.Benchmarks.Engine;

/// <summary>
/// <c>engine</c>: the real engine (as the host builds it) against the simulator (its own process) on a throwaway
/// PostgreSQL. Phases: raw baselines (commits/s, adds/s, status answers/s, the finish SQL's refunds/s); pickup latency
/// at a steady offered load (Service mode, the NOTIFY listener dispatches), over every order placed, from its scheduled
/// time; dispatch throughput, status sync throughput over a realistic answer mix, and refund throughput (Tool mode,
/// the job logic called directly, no VACUUM or ANALYZE before any of them, as in production); the process's peak
/// working set. Targets are reported, never enforced.
/// </summary>
public static class EngineBenchmark
{
    private const string Key = "bench";

    public static async Task<int> RunAsync(string[] args)
    {
        if (EngineBenchmarkArgs.Parse(args) is not { } settings)
        {
            Console.Error.WriteLine(EngineBenchmarkArgs.Usage);
            return 2;
        }

        var total = Stopwatch.StartNew();
        var loadBefore = LoadAverage();
        await using var server = await PostgresServer.StartAsync(Console.WriteLine);
        var name = $"bench_engine_{Guid.NewGuid():N}"[..32];
        var connectionString = await server.CreateDatabaseAsync(name);
        try
        {
            var report = await RunOnAsync(connectionString, settings);
            report.Environment["postgres"] = server.Source;
            report.Environment["total_seconds"] = Math.Round(total.Elapsed.TotalSeconds, 1);
            // Other work on the machine moves every figure; the load average shows whether there was any.
            report.Environment["load_average_before"] = loadBefore;
            report.Environment["load_average_after"] = LoadAverage();
            if (settings.PickupOnly)
            {
                return 0;
            }

            report.Print();
            if (settings.JsonPath is { } path)
            {
                await report.WriteJsonAsync(path);
                Console.WriteLine($"figures written to {path}");
            }

            return 0;
        }
        finally
        {
            await server.DropDatabaseAsync(name);
        }
    }

    private static async Task<EngineReport> RunOnAsync(string connectionString, EngineBenchmarkArgs a)
    {
        var report = new EngineReport();
        await using var monitor = new WorkingSetMonitor();
        await Fulfillment.Worker.Cli.SchemaMigrator.MigrateAsync(
            new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString, "qrtz_");

        // The simulator runs in its own process, as a provider would: its CPU and memory are not the engine's.
        // Zero latency, no faults, every order completes, the same link may run twice; nothing recorded
        // except while the pickup phase needs the arrival times.
        var simulatorSettings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Balance"] = "1000000000000",
            ["DuplicateLinkRefusal"] = "false",
            ["PartialProbability"] = "0",
            ["CanceledProbability"] = "0",
            ["OverDeliveryProbability"] = "0",
            ["RecordRequests"] = "false",
        };
        if (a.ProviderLatencyMs > 0)
        {
            // A provider that takes its time, as a real one does (the floor's add is measured against it too).
            simulatorSettings["LatencyMin"] = TimeSpan.FromMilliseconds(a.ProviderLatencyMs / 2.0).ToString();
            simulatorSettings["LatencyMax"] = TimeSpan.FromMilliseconds(a.ProviderLatencyMs * 1.5).ToString();
            report.Settings["provider_latency_ms"] = $"{a.ProviderLatencyMs / 2}..{a.ProviderLatencyMs * 3 / 2}";
        }
        // (1) Baselines on the same database and the same simulator (its own instance: the ~100k orders
        // it takes are gone before the engine starts).
        monitor.Phase = "baselines";
        Console.WriteLine("baselines: raw commits, raw adds...");
        Baseline adds;
        Baseline statuses;
        await using (var raw = await SimulatorProcess.StartAsync(Key, simulatorSettings))
        {
            adds = await Baselines.AddsAsync(raw.ApiUrl, Key, a.Concurrency, TimeSpan.FromSeconds(a.BaselineSeconds));
            // The orders those adds created (ids from 10,001 up), asked about as the tracker asks: 100 a call, 8 calls at once.
            statuses = await RawBaselines.StatusesAsync(raw.ApiUrl, Key, 10_001, await raw.CountAsync("add") / 2,
                new TrackingOptions().MaxParallelCalls, TimeSpan.FromSeconds(a.BaselineSeconds));
        }

        await using var sim = await SimulatorProcess.StartAsync(Key, simulatorSettings);
        // The front end keeps its connections as a PHP persistent connection does (no reset between requests), so
        // place_order's plans stay cached in each server process: a panel's own cost, kept off the engine's two cores.
        await using var db = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = 200, NoResetOnClose = true }.ConnectionString);
        var panel = await PanelLoad.SeedAsync(db, sim.ApiUrl, Key, userCount: 64);
        string[] common =
        [
            $"--ConnectionStrings:Panel={connectionString}",
            "--Serilog:MinimumLevel:Default=Warning",
            // An order's first status check is due at once, so no mass UPDATE makes the status and refund phases' orders due.
            "--Fulfillment:Tracking:FirstCheckAfter=00:00:00.001",
            $"--Fulfillment:Dispatch:BatchSize={a.DispatchBatch}",
            $"--Fulfillment:Dispatch:MaxParallelSends={Math.Max(64, a.MaxConcurrency)}",
            $"--Fulfillment:Tracking:BatchSize={a.TrackingBatch}",
            $"--Fulfillment:Providers:Defaults:MaxConcurrency={a.MaxConcurrency}",
        ];
        report.Settings["dispatch_batch_size"] = a.DispatchBatch;
        report.Settings["dispatch_max_parallel_sends"] = Math.Max(64, a.MaxConcurrency);
        report.Settings["tracking_batch_size"] = a.TrackingBatch;
        report.Settings["tracking_max_parallel_calls"] = new TrackingOptions().MaxParallelCalls;
        report.Settings["provider_max_concurrency"] = a.MaxConcurrency;
        report.Settings["offered_rate_per_s"] = a.Rate;
        report.Settings["pickup_seconds"] = a.PickupSeconds;
        report.Settings["dispatch_orders"] = a.Orders;
        report.Settings["refund_orders"] = a.RefundOrders;
        report.Settings["tracking_first_check_after"] = "00:00:00.001";
        report.Settings["status_mix"] = StatusMix;
        report.Settings["pickup_window_ms"] = PickupWindow.TotalMilliseconds;
        report.Settings["lifecycle_orders"] = a.LifecycleOrders;
        report.Settings["engine_process_seconds"] = a.RssSeconds;

        var commits = await Baselines.CommitsAsync(db, connections: 4, TimeSpan.FromSeconds(a.BaselineSeconds));
        Console.WriteLine("baselines: raw refunds (the finish SQL alone)...");
        var (finishIds, _) = await panel.PlaceManyAsync("bf", a.RefundOrders, connections: 8);
        var finishes = await RawBaselines.FinishesAsync(db, finishIds, connections: 2);

        report.Commits = commits;
        report.Adds = adds;
        report.Statuses = statuses;
        report.Finishes = finishes;
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        report.WorkingSetBeforeEngineMb = Environment.WorkingSet / (1024.0 * 1024.0);

        // (2) Pickup latency: the service host, its listener dispatching on place_order's NOTIFY.
        monitor.Phase = "pickup";
        Console.WriteLine($"pickup: {a.Rate} orders/s for {a.PickupSeconds:0} s against the Service-mode host...");
        await MeasurePickupAsync(db, panel, sim, [.. common, .. ServiceSettings], a, report);
        if (a.PickupOnly)
        {
            // A quick look at dispatch latency (two of these runs back to back compare two builds): no other phase, no JSON.
            Console.WriteLine($"pickup only: p50 {Format(report.PickupP50, "0.0")} ms, p99 {Format(report.PickupP99, "0.0")} ms; " +
                $"floor (2 commits + 1 add alone) p50 {Format(report.Floor(p99: false), "0.00")} ms, " +
                $"p99 {Format(report.Floor(p99: true), "0.00")} ms; p99 ratio {Format(report.PickupP99 / report.Floor(p99: true), "0.0")}");
            Console.WriteLine("details: " + string.Join(", ", report.Details.Select(kv => $"{kv.Key}={kv.Value}")));
            return report;
        }

        // That host is gone; a real engine process runs one host, so its memory is handed back before the next.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);

        // (3)-(5) Tool mode: no scheduler, no listener; the job logic is called directly.
        using var tool = EngineHost.CreateBuilder(EngineMode.Tool, [.. common, "--Fulfillment:Engine:InstanceName=bench-tool"]).Build();
        await tool.Services.GetRequiredService<HeartbeatStore>().UpsertAsync(
            tool.Services.GetRequiredService<InstanceIdentity>(), DateTimeOffset.UtcNow, new { }, CancellationToken.None);
        var dispatcher = tool.Services.GetRequiredService<DispatchPass>();
        var tracker = tool.Services.GetRequiredService<StatusTracker>();

        monitor.Phase = "dispatch";
        Console.WriteLine($"dispatch: placing {a.Orders:N0} orders, then draining the queue...");
        // Each order's future is drawn when the provider accepts it: lifetimes spread over 0..10 s, a fifth partial,
        // some canceled, answers in the spellings and number styles seen in the wild, some in words no map knows.
        await sim.SetAsync(StatusMixSettings);
        // The pickup phase's orders are in progress and due (their first check is due at once): set aside, before anything is timed.
        await PanelLoad.ExecuteAsync(db, "UPDATE orders SET next_check_at = now() + interval '1 hour' WHERE status = 'in_progress'");
        var (ids, placeSeconds) = await panel.PlaceManyAsync("dp", a.Orders, connections: 8);
        report.Details["place_order_per_s"] = Math.Round(ids.Length / placeSeconds);
        var clock = Stopwatch.StartNew();
        var dispatchStarted = DateTimeOffset.UtcNow;
        var claimed = await dispatcher.DrainAsync(CancellationToken.None);
        var dispatchSeconds = clock.Elapsed.TotalSeconds;
        var dispatchMiddle = dispatchStarted + (clock.Elapsed / 2);
        var dispatched = await PanelLoad.ScalarAsync(db, "SELECT count(*) FROM orders WHERE id BETWEEN $1 AND $2 AND status = 'in_progress'", ids[0], ids[^1]);
        report.Dispatch = dispatched / dispatchSeconds;
        report.Details["dispatch_claimed"] = claimed;
        report.Details["dispatch_in_progress"] = dispatched;
        report.Details["dispatch_seconds"] = Math.Round(dispatchSeconds, 3);
        report.Details["dispatch_statuses"] = await StatusesAsync(db, ids[0], ids[^1]);

        // (4) Status sync: every dispatched order is due (its first check was due at once). Half of the orders' lifetimes
        // have run out when the pass starts (an order dispatched mid-phase ends within 0..10 s): the answers mix progress,
        // completed, partial, canceled and unknown words. No VACUUM or ANALYZE first: production runs none.
        monitor.Phase = "status";
        var wait = dispatchMiddle + TimeSpan.FromSeconds(5) - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        Console.WriteLine($"status sync: {dispatched:N0} orders due now...");
        var statusCallsBefore = await sim.CountAsync("status");
        var finishedBefore = await PanelLoad.ScalarAsync(db, "SELECT count(*) FROM orders WHERE id BETWEEN $1 AND $2 AND status <> 'in_progress'", ids[0], ids[^1]);
        clock.Restart();
        var checkedCount = await tracker.DrainAsync(CancellationToken.None);
        var statusSeconds = clock.Elapsed.TotalSeconds;
        report.StatusSync = checkedCount / statusSeconds;
        report.Details["status_checked"] = checkedCount;
        report.Details["status_calls"] = await sim.CountAsync("status") - statusCallsBefore;
        report.Details["status_seconds"] = Math.Round(statusSeconds, 3);
        report.Details["status_not_in_progress_before"] = finishedBefore;
        report.Details["status_outcomes"] = await StatusesAsync(db, ids[0], ids[^1]);
        report.Details["status_unknown_words_recorded"] = await PanelLoad.ScalarAsync(db,
            "SELECT count(*) FROM orders WHERE id BETWEEN $1 AND $2 AND status = 'in_progress' AND provider_status IN ('In queue', 'Awaiting', 'Moderation', 'tasks.status.queued')",
            ids[0], ids[^1]);
        report.Details["status_refunds"] = await PanelLoad.ScalarAsync(db,
            "SELECT count(*) FROM ledger WHERE kind = 'refund' AND order_id BETWEEN $1 AND $2", ids[0], ids[^1]);

        // (5) Refunds: a fresh batch the provider cancels (drawn at add), over in 80 ms at speed 1000. The orders left in
        // progress by the status phase are set aside first (a setup write before the refund orders even exist).
        monitor.Phase = "refunds";
        Console.WriteLine($"refunds: {a.RefundOrders:N0} orders the provider cancels...");
        await sim.SetAsync(new { CanceledProbability = 1, PartialProbability = 0, SpeedFactor = 1000, DurationJitter = 0, UnknownStatusRate = 0 });
        await PanelLoad.ExecuteAsync(db, "UPDATE orders SET next_check_at = now() + interval '1 hour' WHERE status = 'in_progress'");
        var (refundIds, _) = await panel.PlaceManyAsync("rf", a.RefundOrders, connections: 8);
        clock.Restart();
        await dispatcher.DrainAsync(CancellationToken.None);
        report.Details["refund_batch_dispatch_per_s"] = Math.Round(refundIds.Length / clock.Elapsed.TotalSeconds);
        await Task.Delay(500); // the provider cancels them within 80 ms of the add
        var due = await PanelLoad.ScalarAsync(db, "SELECT count(*) FROM orders WHERE status = 'in_progress' AND next_check_at <= now() AND id BETWEEN $1 AND $2",
            refundIds[0], refundIds[^1]);
        var refundsBefore = await PanelLoad.ScalarAsync(db, "SELECT count(*) FROM ledger WHERE kind = 'refund'");
        clock.Restart();
        var refundChecked = await tracker.DrainAsync(CancellationToken.None);
        var refundSeconds = clock.Elapsed.TotalSeconds;
        var refunds = await PanelLoad.ScalarAsync(db, "SELECT count(*) FROM ledger WHERE kind = 'refund'") - refundsBefore;
        report.Refunds = refunds / refundSeconds;
        report.Details["refund_orders_due"] = due;
        report.Details["refund_checked"] = refundChecked;
        report.Details["refund_ledger_rows"] = refunds;
        report.Details["refund_seconds"] = Math.Round(refundSeconds, 3);
        report.Details["refund_statuses"] = await StatusesAsync(db, refundIds[0], refundIds[^1]);
        // The lookup fulfillment_finish_order makes for every finish: does an index serve it?
        report.Details["finish_charge_lookup_plan"] = await PanelLoad.TextAsync(db,
            "EXPLAIN SELECT -amount FROM ledger WHERE order_id = 1 AND kind = 'charge'");
        report.Details["ledger_balanced"] = await PanelLoad.ScalarAsync(db,
            "SELECT count(*) FROM users u WHERE u.balance <> (SELECT coalesce(sum(amount), 0) FROM ledger l WHERE l.user_id = u.id)") == 0;

        // (6) Peak working set of the whole process.
        monitor.Phase = "end";
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        report.PeakWorkingSetMb = process.PeakWorkingSet64 / (1024.0 * 1024.0);
        report.Details["engine_phases_peak_working_set_mb"] = Math.Round(monitor.PeakMb("pickup", "dispatch", "status", "refunds"), 1);
        report.Details["baselines_peak_working_set_mb"] = Math.Round(monitor.PeakMb("baselines"), 1);
        report.Details["peak_working_set_mb_by_phase"] = string.Join(' ', monitor.PeakByPhase.Keys.Order(StringComparer.Ordinal)
            .Select(phase => $"{phase}:{monitor.PeakMb(phase).ToString("0", CultureInfo.InvariantCulture)}"));
        report.Details["simulator_process_peak_working_set_mb"] = Math.Round(sim.PeakWorkingSetMb(), 1);

        // (7) Cost per order over a whole life, from the server (after the working set was read: these phases add nothing to the engine's).
        monitor.Phase = "lifecycle";
        await MeasureLifecycleAsync(connectionString, db, panel, sim, dispatcher, tracker, a, report);

        // (8) The engine as its own process (fulfillment run), at steady load from this process: its resident memory.
        monitor.Phase = "engine-process";
        await MeasureEngineProcessAsync(connectionString, db, panel, sim, common, a, report);

        // (9) Pickup windows alternating between the engine process and the reference, each its own process: latency and CPU.
        monitor.Phase = "reference";
        await ReferenceWindows.MeasureAsync(connectionString, db, panel, sim, [.. common, .. ServiceSettings, NoHealthWatch], a, report);
        report.Environment["cores"] = Environment.ProcessorCount;
        report.Environment["dotnet"] = Environment.Version.ToString();
        report.Environment["server_gc"] = GCSettings.IsServerGC;
        // What the measured server really ran with, read from it.
        report.Environment["postgres_settings"] = await PanelLoad.TextAsync(db, """
            SELECT 'PostgreSQL ' || current_setting('server_version') || ': ' || string_agg(name || '=' || setting || coalesce(unit, ''), ', ' ORDER BY name)
            FROM pg_settings
            WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers', 'max_connections', 'autovacuum', 'work_mem', 'wal_level')
            """);
        return report;
    }

    /// <summary>
    /// Two cohorts of <see cref="EngineBenchmarkArgs.LifecycleOrders"/> orders, each placed, dispatched, checked once and
    /// finished by the tracker: one the provider completes (no refund), one it cancels (refunded). WAL bytes from
    /// <c>pg_current_wal_lsn()</c>, rows from <c>pg_stat_user_tables</c> and PostgreSQL's CPU (<see cref="PostgresCpu"/>), before
    /// and after each cohort; the WAL and CPU of placement alone are read between (the baselines). The engine's CPU is this
    /// process's from the end of placement to the last finish.
    /// </summary>
    private static async Task MeasureLifecycleAsync(string connectionString, NpgsqlDataSource db, PanelLoad panel, SimulatorProcess sim,
        DispatchPass dispatcher, StatusTracker tracker, EngineBenchmarkArgs a, EngineReport report)
    {
        await PanelLoad.ExecuteAsync(db, "UPDATE orders SET next_check_at = now() + interval '1 hour' WHERE status = 'in_progress'");
        var postgres = await PostgresCpu.FindAsync(db);
        foreach (var (tag, refund) in new[] { ("lc", false), ("lr", true) })
        {
            var cohort = refund ? "refunded" : "completed";
            Console.WriteLine($"cost per order: {a.LifecycleOrders:N0} orders placed, dispatched and finished {cohort}...");
            await sim.SetAsync(new
            {
                CanceledProbability = refund ? 1 : 0,
                PartialProbability = 0,
                OverDeliveryProbability = 0,
                SpeedFactor = 1000,
                DurationJitter = 0,
                UnknownStatusRate = 0,
                AltStatusSpellingRate = 0,
            });
            // A quick run skips the wait for the backends' table counters: its rows written may read short, its WAL does not.
            var before = await ServerCounters.TakeAsync(connectionString, flushPools: !a.Quick);
            var postgresBefore = postgres?.Seconds() ?? double.NaN;
            var (ids, _) = await panel.PlaceManyAsync(tag, a.LifecycleOrders, connections: 8);
            var placed = await ServerCounters.TakeAsync(connectionString, flushPools: false);
            var postgresPlaced = postgres?.Seconds() ?? double.NaN;
            // From here to the last finish, this process runs the engine's passes and nothing else of weight (no host is started).
            var engineBefore = OwnCpuSeconds();
            await dispatcher.DrainAsync(CancellationToken.None);
            for (var pass = 0; pass < 20; pass++)
            {
                await Task.Delay(300); // over at the provider 80 ms after its add
                await tracker.DrainAsync(CancellationToken.None);
                if (await PanelLoad.ScalarAsync(db, "SELECT count(*) FROM orders WHERE id BETWEEN $1 AND $2 AND status IN ('pending', 'dispatching', 'in_progress')",
                        ids[0], ids[^1]) == 0)
                {
                    break;
                }
            }

            var engineCpu = OwnCpuSeconds() - engineBefore;
            var postgresCpu = (postgres?.Seconds() ?? double.NaN) - postgresBefore;
            var after = await ServerCounters.TakeAsync(connectionString, flushPools: !a.Quick);
            var delta = after.Since(before);
            var n = (double)ids.Length;
            report.Details[$"life_{cohort}_wal_bytes_per_order_by_relation"] = await after.WalByRelationAsync(connectionString, before, n) ?? "unavailable";
            report.Details[$"life_{cohort}_placement_wal_bytes_per_order_by_relation"] = await placed.WalByRelationAsync(connectionString, before, n) ?? "unavailable";
            report.Details[$"life_{cohort}_engine_cpu_ms_per_order"] = Round(engineCpu * 1000 / n);
            report.Details[$"life_{cohort}_db_cpu_ms_per_order"] = Round(postgresCpu * 1000 / n);
            report.Details[$"life_{cohort}_placement_db_cpu_ms_per_order"] = Round((postgresPlaced - postgresBefore) * 1000 / n);
            report.Details[$"life_{cohort}_statuses"] = await StatusesAsync(db, ids[0], ids[^1]);
            report.Details[$"life_{cohort}_wal_bytes_per_order"] = Math.Round(delta.WalBytes / n);
            report.Details[$"life_{cohort}_rows_written_per_order"] = Math.Round(delta.RowsWritten(t => !t.StartsWith("qrtz_", StringComparison.Ordinal)) / n, 2);
            report.Details[$"life_{cohort}_rows_per_order_by_table"] = delta.PerOrder(n, t => !t.StartsWith("qrtz_", StringComparison.Ordinal));
            report.Details[$"life_{cohort}_placement_wal_bytes_per_order"] = Math.Round((placed.WalLsn - before.WalLsn) / n);
            if (!refund)
            {
                report.WalBytesPerOrder = delta.WalBytes / n;
                report.WalBytesPerPlacement = (placed.WalLsn - before.WalLsn) / n;
                report.EngineCpuMsPerOrder = engineCpu * 1000 / n;
                report.DbCpuMsPerOrder = postgresCpu * 1000 / n;
                report.DbCpuMsPerPlacement = (postgresPlaced - postgresBefore) * 1000 / n;
            }
        }

        report.Details["life_note"] = "WAL on a server with full_page_writes=off (no full-page images): a production server writes more after each checkpoint";
    }

    /// <summary>
    /// <c>fulfillment run</c> as its own process on the same database and simulator (its scheduler, its NOTIFY listener,
    /// default job schedules, the purge off), with orders offered at the pickup rate from this process: the engine's
    /// resident memory (VmRSS) idle after start, and its highest at steady load (the second half of the offered load).
    /// </summary>
    private static async Task MeasureEngineProcessAsync(string connectionString, NpgsqlDataSource db, PanelLoad panel, SimulatorProcess sim,
        string[] common, EngineBenchmarkArgs a, EngineReport report)
    {
        Console.WriteLine($"engine process: fulfillment run, {a.Rate} orders/s for {a.RssSeconds:0} s...");
        await sim.SetAsync(StatusMixSettings);
        await PanelLoad.ExecuteAsync(db, "UPDATE orders SET next_check_at = now() + interval '1 hour' WHERE status = 'in_progress'");
        // Logging as shipped (Information, one JSON object a line), so its lines per order can be counted.
        await using var engine = EngineProcess.StartRun("bench-process",
            [.. common, "--Fulfillment:Jobs:PurgeExpiredData:Enabled=false", NoHealthWatch, "--Serilog:MinimumLevel:Default=Information", "--Fulfillment:Logging:Format=json"],
            outputLimit: 200_000);
        await engine.WaitStartedAsync(TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(3));
        report.EngineIdleRssMb = engine.RssMb();
        var cpuBefore = engine.CpuSeconds();
        var linesBefore = engine.LinesWritten;
        var firstId = await PanelLoad.ScalarAsync(db, "SELECT coalesce(max(id), 0) + 1 FROM orders");
        var samples = new List<double>();
        using var stop = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                if (clock.Elapsed.TotalSeconds > a.RssSeconds / 2)
                {
                    lock (samples)
                    {
                        samples.Add(engine.RssMb());
                    }
                }

                await Task.Delay(100);
            }
        });
        var load = await panel.OfferAsync("rs", a.Rate, TimeSpan.FromSeconds(a.RssSeconds));
        await stop.CancelAsync();
        await sampler;
        var cpu = engine.CpuSeconds() - cpuBefore;
        await WaitForDispatchAsync(db, TimeSpan.FromSeconds(10));
        // A status pass over the last orders too (SyncOrderStatus every 5 s), so the lines are those of a dispatch and status run.
        await Task.Delay(TimeSpan.FromSeconds(6));
        if (engine.HasExited)
        {
            Console.Error.WriteLine("the engine process exited early:\n" + engine.Output);
        }

        // Stopped as systemd stops it, so the lines it writes once a minute or at its stop are counted too (its shutdown's own as well).
        await engine.StopAsync(TimeSpan.FromSeconds(30));
        var lines = engine.LinesWritten - linesBefore;
        report.LogLinesPer1000Orders = lines * 1000.0 / load.Orders.Length;
        report.Details["engine_process_log_lines"] = lines;
        report.Details["engine_process_log_templates"] = MostLogged(engine.Output, skip: linesBefore);
        report.Details["engine_process_statuses"] = await StatusesAsync(db, firstId, await PanelLoad.ScalarAsync(db, "SELECT coalesce(max(id), 0) FROM orders"));
        report.Details["engine_process_orders_not_sent"] = await PanelLoad.ScalarAsync(db, "SELECT count(*) FROM orders WHERE status IN ('pending', 'dispatching')");
        double[] steady;
        lock (samples)
        {
            steady = [.. samples.Where(double.IsFinite)];
        }

        report.EngineRssMb = steady.DefaultIfEmpty(double.NaN).Max();
        report.Details["engine_rss_mean_mb"] = Round(steady.DefaultIfEmpty(double.NaN).Average());
        report.Details["engine_rss_samples"] = steady.Length;
        report.Details["engine_process_orders_offered"] = load.Orders.Length;
        report.Details["engine_process_cpu_ms_per_order"] = Round(cpu * 1000 / load.Orders.Length);
        report.Details["engine_process_gc"] = "as shipped (the Worker's runtimeconfig)";
    }

    /// <summary>
    /// The message templates the engine logged most after its first <paramref name="skip"/> lines (compact JSON's <c>@mt</c>),
    /// with their counts: what the log lines are.
    /// </summary>
    private static string MostLogged(string output, long skip) => string.Join("; ", output.Split('\n')
        .Skip((int)skip).Select(line => line.TrimEnd('\r')).Where(line => line.Length > 0)
        .Select(line =>
        {
            try
            {
                using var json = System.Text.Json.JsonDocument.Parse(line);
                return json.RootElement.TryGetProperty("@mt", out var template) ? template.GetString() ?? "?" : "?";
            }
            catch (System.Text.Json.JsonException)
            {
                return "(not JSON) " + line[..Math.Min(80, line.Length)];
            }
        })
        .GroupBy(t => t).OrderByDescending(g => g.Count()).Take(6).Select(g => $"{g.Count()}x {g.Key}"));

    /// <summary>An order placed in the pickup phase that has not reached the provider this long after it was due counts as this long, and as missed.</summary>
    internal static readonly TimeSpan PickupWindow = TimeSpan.FromSeconds(10);

    /// <summary>The provider's answers for the dispatch and status phases (drawn at add; see <see cref="StatusMix"/>).</summary>
    internal static readonly object StatusMixSettings = new
    {
        SpeedFactor = 16,
        DurationJitter = 1,
        PartialProbability = 0.2,
        CanceledProbability = 0.05,
        OverDeliveryProbability = 0.05,
        AltStatusSpellingRate = 0.3,
        StringNumbersRate = 0.5,
        UnknownStatusRate = 0.05,
    };

    internal const string StatusMix =
        "lifetimes 0..10 s (speed 16, jitter 1), 20% partial, 5% canceled, 5% over-delivered, 30% other spellings, 50% numbers as strings, 5% unknown words while under way";

    /// <summary>
    /// For the engine processes started after the refund and cost phases: their provider canceled every order on purpose, and
    /// WatchHealth would quarantine the benchmark's only route for it (its orders then wait instead of going out).
    /// </summary>
    internal const string NoHealthWatch = "--Fulfillment:Jobs:WatchHealth:Enabled=false";

    /// <summary>The Service host with no scheduled job competing: only the NOTIFY listener dispatches.</summary>
    internal static readonly string[] ServiceSettings =
    [
        "--Fulfillment:Engine:InstanceName=bench-service",
        "--Fulfillment:Jobs:DispatchOrders:Interval=01:00:00",
        "--Fulfillment:Jobs:SyncOrderStatus:Interval=01:00:00",
        "--Fulfillment:Jobs:ProcessOrderRequests:Interval=01:00:00",
        "--Fulfillment:Jobs:ResolveConflicts:Interval=01:00:00",
        "--Fulfillment:Jobs:Heartbeat:Interval=01:00:00",
        "--Fulfillment:Jobs:PurgeExpiredData:Enabled=false",
        "--Fulfillment:Jobs:CheckProviderBalances:Enabled=false",
        "--Fulfillment:Jobs:SyncProviderServices:Enabled=false",
    ];

    internal static async Task MeasurePickupAsync(NpgsqlDataSource db, PanelLoad panel, SimulatorProcess sim, string[] settings, EngineBenchmarkArgs a, EngineReport report)
    {
        using var host = EngineHost.CreateBuilder(EngineMode.Service, settings).Build();
        await host.StartAsync();
        try
        {
            await sim.SetAsync(new { RecordRequests = true });
            // Warm-up (JIT, pools, the listener's connection): one second at the same rate, not counted.
            var warm = await panel.OfferAsync("wm", a.Rate, TimeSpan.FromSeconds(1));
            await WaitForDispatchAsync(db, TimeSpan.FromSeconds(10));
            await sim.ClearRecordAsync();

            var load = await panel.OfferAsync("pk", a.Rate, TimeSpan.FromSeconds(a.PickupSeconds));
            // Until every order has reached the provider, or the window after the last one was due has passed.
            var lastDue = load.Orders.Max(o => o.Due);
            await WaitForDispatchAsync(db, lastDue + PickupWindow - DateTimeOffset.UtcNow);

            // Every order placed counts, from the moment it was scheduled (before any wait for a pool connection) to the
            // provider's receipt of its first add; one the provider had not received within the window counts as the window.
            var latency = await PickupLatency.ReadAsync(sim, "pk", load);
            var (fromDue, fromCall, fromCommit) = (latency.FromDue, latency.FromCall, latency.FromCommit);
            report.PickupP50 = Stats.Percentile(fromDue, 0.50);
            report.PickupP99 = Stats.Percentile(fromDue, 0.99);
            report.Details["pickup_orders"] = load.Orders.Length;
            report.Details["pickup_received"] = latency.Received;
            report.Details["pickup_missed_window"] = latency.Missed;
            report.Details["pickup_max_ms"] = Round(fromDue.DefaultIfEmpty(double.NaN).Max());
            report.Details["pickup_from_call_p50_ms"] = Round(Stats.Percentile(fromCall, 0.50));
            report.Details["pickup_from_call_p99_ms"] = Round(Stats.Percentile(fromCall, 0.99));
            report.Details["pickup_from_commit_p50_ms"] = Round(Stats.Percentile(fromCommit, 0.50));
            report.Details["pickup_from_commit_p99_ms"] = Round(Stats.Percentile(fromCommit, 0.99));
            report.Details["pickup_achieved_rate_per_s"] = Round(load.AchievedRate);
            report.Details["pickup_generator_worst_late_ms"] = Round(load.WorstLateMs);
            report.Details["pickup_place_order_p99_ms"] = Round(load.PlaceP99Ms);
        }
        finally
        {
            await sim.SetAsync(new { RecordRequests = false });
            await sim.ClearRecordAsync();
            await host.StopAsync();
        }
    }

    /// <summary>Until every order placed so far has been sent and accepted (or the limit passes).</summary>
    internal static async Task WaitForDispatchAsync(NpgsqlDataSource db, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (await PanelLoad.ScalarAsync(db, "SELECT count(*) FROM orders WHERE status IN ('pending', 'dispatching')") > 0 && clock.Elapsed < limit)
        {
            await Task.Delay(20);
        }
    }

    internal static Task<string> StatusesAsync(NpgsqlDataSource db, long first, long last) => PanelLoad.TextAsync(db,
        "SELECT string_agg(status || '=' || n, ', ' ORDER BY status) FROM (SELECT status, count(*) n FROM orders WHERE id BETWEEN $1 AND $2 GROUP BY status) s",
        first, last);

    internal static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    internal static double Round(double value) => Math.Round(value, 2);

    private static double OwnCpuSeconds()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalSeconds;
    }

    internal static string Format(double value, string format) => double.IsNaN(value) ? "n/a" : value.ToString(format, CultureInfo.InvariantCulture);
}
