using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using Fulfillment.Data;
using Fulfillment.Engine.Dispatch;
using Fulfillment.Engine.Heartbeat;
using Fulfillment.Engine.Tracking;
using Fulfillment.LocalPostgres;
using Fulfillment.Worker.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Fulfillment.Engine.Configuration;

namespace Fulfillment.Benchmarks.Engine;

/// <summary>
/// <c>engine</c>: the real engine (as the host builds it) against the simulator (its own process) on a throwaway
/// PostgreSQL. Phases: raw baselines (commits/s, adds/s); pickup latency at a steady offered load (Service
/// mode, the NOTIFY listener dispatches); dispatch throughput, status sync throughput and refund throughput
/// (Tool mode, the job logic called directly); the process's peak working set. Targets are reported, never enforced.
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
        // (1) Baselines on the same database and the same simulator (its own instance: the ~100k orders
        // it takes are gone before the engine starts).
        monitor.Phase = "baselines";
        Console.WriteLine("baselines: raw commits, raw adds...");
        Baseline adds;
        await using (var raw = await SimulatorProcess.StartAsync(Key, simulatorSettings))
        {
            adds = await Baselines.AddsAsync(raw.ApiUrl, Key, a.Concurrency, TimeSpan.FromSeconds(a.BaselineSeconds));
        }

        await using var sim = await SimulatorProcess.StartAsync(Key, simulatorSettings);
        await using var db = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = 200 }.ConnectionString);
        var panel = await PanelLoad.SeedAsync(db, sim.ApiUrl, Key, userCount: 64);
        string[] common =
        [
            $"--ConnectionStrings:Panel={connectionString}",
            "--Serilog:MinimumLevel:Default=Warning",
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

        var commits = await Baselines.CommitsAsync(db, connections: 4, TimeSpan.FromSeconds(a.BaselineSeconds));

        report.Commits = commits;
        report.Adds = adds;
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        report.WorkingSetBeforeEngineMb = Environment.WorkingSet / (1024.0 * 1024.0);

        // (2) Pickup latency: the service host, its listener dispatching on place_order's NOTIFY.
        monitor.Phase = "pickup";
        Console.WriteLine($"pickup: {a.Rate} orders/s for {a.PickupSeconds:0} s against the Service-mode host...");
        await MeasurePickupAsync(db, panel, sim, [.. common, .. ServiceSettings], a, report);
        // That host is gone; a real engine process runs one host, so its memory is handed back before the next.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);

        // (3)-(5) Tool mode: no scheduler, no listener; the job logic is called directly.
        using var tool = EngineHost.CreateBuilder(EngineMode.Tool, [.. common, "--Fulfillment:Engine:InstanceName=bench-tool"]).Build();
        await tool.Services.GetRequiredService<HeartbeatStore>().UpsertAsync(
            tool.Services.GetRequiredService<InstanceIdentity>(), DateTimeOffset.UtcNow, new { }, CancellationToken.None);
        var dispatcher = tool.Services.GetRequiredService<OrderDispatcher>();
        var tracker = tool.Services.GetRequiredService<StatusTracker>();

        monitor.Phase = "dispatch";
        Console.WriteLine($"dispatch: placing {a.Orders:N0} orders, then draining the queue...");
        var (ids, placeSeconds) = await panel.PlaceManyAsync("dp", a.Orders, connections: 8);
        report.Details["place_order_per_s"] = Math.Round(ids.Length / placeSeconds);
        var clock = Stopwatch.StartNew();
        var claimed = await dispatcher.DrainAsync(CancellationToken.None);
        var dispatchSeconds = clock.Elapsed.TotalSeconds;
        var dispatched = await PanelLoad.ScalarAsync(db, "SELECT count(*) FROM orders WHERE id BETWEEN $1 AND $2 AND status = 'in_progress'", ids[0], ids[^1]);
        report.Dispatch = dispatched / dispatchSeconds;
        report.Details["dispatch_claimed"] = claimed;
        report.Details["dispatch_in_progress"] = dispatched;
        report.Details["dispatch_seconds"] = Math.Round(dispatchSeconds, 3);
        report.Details["dispatch_statuses"] = await StatusesAsync(db, ids[0], ids[^1]);

        // (4) Status sync: every one of them due now; the simulator still has them Pending (80 s life at speed 1).
        monitor.Phase = "status";
        Console.WriteLine($"status sync: {dispatched:N0} orders due now...");
        await PanelLoad.ExecuteAsync(db, "UPDATE orders SET next_check_at = now() WHERE status = 'in_progress'");
        await PanelLoad.ExecuteAsync(db, "VACUUM ANALYZE orders");
        var statusCallsBefore = await sim.CountAsync("status");
        clock.Restart();
        var checkedCount = await tracker.DrainAsync(CancellationToken.None);
        var statusSeconds = clock.Elapsed.TotalSeconds;
        report.StatusSync = checkedCount / statusSeconds;
        report.Details["status_checked"] = checkedCount;
        report.Details["status_calls"] = await sim.CountAsync("status") - statusCallsBefore;
        report.Details["status_seconds"] = Math.Round(statusSeconds, 3);

        // (5) Refunds: a fresh batch the provider cancels (drawn at add), over in 80 ms at speed 1000.
        monitor.Phase = "refunds";
        Console.WriteLine($"refunds: {a.RefundOrders:N0} orders the provider cancels...");
        await sim.SetAsync(new { CanceledProbability = 1, SpeedFactor = 1000 });
        await PanelLoad.ExecuteAsync(db, "UPDATE orders SET next_check_at = now() + interval '1 hour' WHERE status = 'in_progress'");
        var (refundIds, _) = await panel.PlaceManyAsync("rf", a.RefundOrders, connections: 8);
        clock.Restart();
        await dispatcher.DrainAsync(CancellationToken.None);
        report.Details["refund_batch_dispatch_per_s"] = Math.Round(refundIds.Length / clock.Elapsed.TotalSeconds);
        await Task.Delay(500);
        var due = await PanelLoad.ExecuteAsync(db, "UPDATE orders SET next_check_at = now() WHERE status = 'in_progress' AND id BETWEEN $1 AND $2",
            refundIds[0], refundIds[^1]);
        await PanelLoad.ExecuteAsync(db, "VACUUM ANALYZE orders");
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
        report.Environment["cores"] = Environment.ProcessorCount;
        report.Environment["dotnet"] = Environment.Version.ToString();
        report.Environment["server_gc"] = GCSettings.IsServerGC;
        report.Environment["postgres_settings"] = "fsync=off, synchronous_commit=off (throwaway server)";
        return report;
    }

    /// <summary>The Service host with no scheduled job competing: only the NOTIFY listener dispatches.</summary>
    private static readonly string[] ServiceSettings =
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

    private static async Task MeasurePickupAsync(NpgsqlDataSource db, PanelLoad panel, SimulatorProcess sim, string[] settings, EngineBenchmarkArgs a, EngineReport report)
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
            await WaitForDispatchAsync(db, TimeSpan.FromSeconds(10));
            var fromCall = new List<double>(load.Orders.Length);
            var fromCommit = new List<double>(load.Orders.Length);
            var fromDue = new List<double>(load.Orders.Length);
            var seen = new HashSet<int>();
            foreach (var add in await sim.RequestsAsync("add"))
            {
                if (PanelLoad.ParseLink(add.Field("link")) is not ("pk", var n) || !seen.Add(n))
                {
                    continue;
                }

                var order = load.Orders[n];
                fromCall.Add((add.At - order.Called).TotalMilliseconds);
                fromCommit.Add((add.At - order.Committed).TotalMilliseconds);
                fromDue.Add((add.At - order.Due).TotalMilliseconds);
            }

            report.PickupP50 = Stats.Percentile(fromCall, 0.50);
            report.PickupP99 = Stats.Percentile(fromCall, 0.99);
            report.Details["pickup_orders"] = load.Orders.Length;
            report.Details["pickup_received"] = fromCall.Count;
            report.Details["pickup_max_ms"] = Round(fromCall.DefaultIfEmpty(double.NaN).Max());
            report.Details["pickup_from_commit_p50_ms"] = Round(Stats.Percentile(fromCommit, 0.50));
            report.Details["pickup_from_commit_p99_ms"] = Round(Stats.Percentile(fromCommit, 0.99));
            report.Details["pickup_from_schedule_p99_ms"] = Round(Stats.Percentile(fromDue, 0.99));
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
    private static async Task WaitForDispatchAsync(NpgsqlDataSource db, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (await PanelLoad.ScalarAsync(db, "SELECT count(*) FROM orders WHERE status <> 'in_progress'") > 0 && clock.Elapsed < limit)
        {
            await Task.Delay(20);
        }
    }

    private static Task<string> StatusesAsync(NpgsqlDataSource db, long first, long last) => PanelLoad.TextAsync(db,
        "SELECT string_agg(status || '=' || n, ', ' ORDER BY status) FROM (SELECT status, count(*) n FROM orders WHERE id BETWEEN $1 AND $2 GROUP BY status) s",
        first, last);

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static double Round(double value) => Math.Round(value, 2);

    internal static string Format(double value, string format) => double.IsNaN(value) ? "n/a" : value.ToString(format, CultureInfo.InvariantCulture);
}
