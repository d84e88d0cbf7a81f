using System.Globalization;
using Fulfillment.Benchmarks.Reference;
using Fulfillment.Benchmarks.Shared;
using Npgsql;
using static Fulfillment.Benchmarks.Engine.EngineBenchmark;

namespace Fulfillment.Benchmarks.Engine;

/// <summary>One pickup window: its latencies, and the CPU seconds of the process that picked its orders up and of PostgreSQL.</summary>
public sealed record PickupWindowResult(bool Engine, PickupLatency Latency, double ProcessCpuSeconds, double PostgresCpuSeconds);

/// <summary>
/// Pickup windows alternating between the engine (<c>fulfillment run</c>, its NOTIFY listener dispatching) and
/// <see cref="ReferenceEngine"/>, each in its own process, on the same database and simulator, at the same open-loop rate. Only
/// one runs during a window: each is started for its window, warmed up, measured, and stopped.
/// </summary>
public static class ReferenceWindows
{
    public static async Task MeasureAsync(string connectionString, NpgsqlDataSource db, PanelLoad panel, SimulatorProcess sim, string[] engineSettings,
        EngineBenchmarkArgs a, EngineReport report)
    {
        Console.WriteLine($"pickup against the reference: {a.ReferenceWindows} + {a.ReferenceWindows} windows of {a.WindowSeconds:0.#} s at {a.Rate} orders/s, alternating...");
        var postgres = await PostgresCpu.FindAsync(db);
        // Orders left unsent by an earlier phase would be the first window's to send, and would hold every window's wait to its limit.
        report.Details["reference_windows_unsent_before"] = await PanelLoad.ScalarAsync(db, "SELECT count(*) FROM orders WHERE status IN ('pending', 'dispatching')");
        var windows = new List<PickupWindowResult>();
        await sim.SetAsync(new { RecordRequests = true });
        try
        {
            for (var i = 0; i < 2 * a.ReferenceWindows; i++)
            {
                var engine = i % 2 == 0;
                var window = engine
                    ? await EngineWindowAsync(db, panel, sim, postgres, engineSettings, i, a)
                    : await ReferenceWindowAsync(connectionString, db, panel, sim, postgres, i, a);
                windows.Add(window);
                Console.WriteLine($"  {(engine ? "engine   " : "reference")} window {i / 2 + 1}: p99 {Format(Stats.Percentile(window.Latency.FromDue, 0.99), "0.0")} ms, " +
                    $"{window.Latency.Received} received, CPU {Format(window.ProcessCpuSeconds * 1000 / Math.Max(1, window.Latency.Received), "0.00")} ms/order");
            }
        }
        finally
        {
            await sim.SetAsync(new { RecordRequests = false });
            await sim.ClearRecordAsync();
        }

        Summarise(windows, report);
    }

    private static async Task<PickupWindowResult> EngineWindowAsync(NpgsqlDataSource db, PanelLoad panel, SimulatorProcess sim, PostgresCpu? postgres,
        string[] settings, int index, EngineBenchmarkArgs a)
    {
        await SetAsideAsync(db);
        await using var engine = EngineProcess.StartRun($"bench-window-{index}", settings, outputLimit: 100_000);
        await engine.WaitStartedAsync(TimeSpan.FromSeconds(60));
        var window = await MeasureWindowAsync(db, panel, sim, postgres, engine.CpuSeconds, index, engine: true, a);
        if (engine.HasExited)
        {
            Console.Error.WriteLine("the engine process exited early:\n" + engine.Output);
        }

        return window;
    }

    private static async Task<PickupWindowResult> ReferenceWindowAsync(string connectionString, NpgsqlDataSource db, PanelLoad panel, SimulatorProcess sim,
        PostgresCpu? postgres, int index, EngineBenchmarkArgs a)
    {
        await SetAsideAsync(db);
        await using var reference = ReferenceProcess.Start(connectionString, a.MaxConcurrency, a.DispatchBatch);
        await reference.WaitReadyAsync(TimeSpan.FromSeconds(60));
        return await MeasureWindowAsync(db, panel, sim, postgres, reference.CpuSeconds, index, engine: false, a);
    }

    /// <summary>
    /// A warm-up (not counted: JIT, pools, the listener), then the window; the process's and PostgreSQL's CPU from the window's first
    /// order until every order of it has been sent and recorded.
    /// </summary>
    private static async Task<PickupWindowResult> MeasureWindowAsync(NpgsqlDataSource db, PanelLoad panel, SimulatorProcess sim, PostgresCpu? postgres,
        Func<double> processCpu, int index, bool engine, EngineBenchmarkArgs a)
    {
        var letter = (char)('a' + index);
        await panel.OfferAsync($"v{letter}", a.Rate, TimeSpan.FromSeconds(a.Quick ? 0.5 : 1));
        await WaitForDispatchAsync(db, TimeSpan.FromSeconds(10));
        await sim.ClearRecordAsync();

        var tag = $"{(engine ? 'e' : 'q')}{letter}";
        var cpuBefore = processCpu();
        var postgresBefore = postgres?.Seconds() ?? double.NaN;
        var load = await panel.OfferAsync(tag, a.Rate, TimeSpan.FromSeconds(a.WindowSeconds));
        await WaitForDispatchAsync(db, load.Orders.Max(o => o.Due) + PickupWindow - DateTimeOffset.UtcNow);
        var cpu = processCpu() - cpuBefore;
        var postgresCpu = (postgres?.Seconds() ?? double.NaN) - postgresBefore;
        return new PickupWindowResult(engine, await PickupLatency.ReadAsync(sim, tag, load), cpu, postgresCpu);
    }

    /// <summary>Orders in progress from earlier phases are not due meanwhile: neither contender's window has a status check in it.</summary>
    private static Task<int> SetAsideAsync(NpgsqlDataSource db) =>
        PanelLoad.ExecuteAsync(db, "UPDATE orders SET next_check_at = now() + interval '1 hour' WHERE status = 'in_progress'");

    private static void Summarise(List<PickupWindowResult> windows, EngineReport report)
    {
        double P99(bool engine) => Stats.Percentile(windows.Where(w => w.Engine == engine).SelectMany(w => w.Latency.FromDue), 0.99);
        double Received(bool engine) => windows.Where(w => w.Engine == engine).Sum(w => w.Latency.Received);
        double CpuMs(bool engine) => windows.Where(w => w.Engine == engine).Sum(w => w.ProcessCpuSeconds) * 1000 / Received(engine);
        double PostgresMs(bool engine) => windows.Where(w => w.Engine == engine).Sum(w => w.PostgresCpuSeconds) * 1000 / Received(engine);
        string PerWindow(bool engine) => string.Join(' ', windows.Where(w => w.Engine == engine)
            .Select(w => Stats.Percentile(w.Latency.FromDue, 0.99).ToString("0.0", CultureInfo.InvariantCulture)));

        report.PickupP99Windows = P99(engine: true);
        report.PickupP99Reference = P99(engine: false);
        report.PickupCpuMsPerOrder = CpuMs(engine: true);
        report.ReferenceCpuMsPerOrder = CpuMs(engine: false);
        report.Details["reference_windows_p99_ms_engine"] = PerWindow(engine: true);
        report.Details["reference_windows_p99_ms_reference"] = PerWindow(engine: false);
        report.Details["reference_windows_p50_ms_engine"] = Round(Stats.Percentile(windows.Where(w => w.Engine).SelectMany(w => w.Latency.FromDue), 0.50));
        report.Details["reference_windows_p50_ms_reference"] = Round(Stats.Percentile(windows.Where(w => !w.Engine).SelectMany(w => w.Latency.FromDue), 0.50));
        report.Details["reference_windows_received_engine"] = Received(engine: true);
        report.Details["reference_windows_received_reference"] = Received(engine: false);
        report.Details["reference_windows_missed"] = $"engine {windows.Where(w => w.Engine).Sum(w => w.Latency.Missed)}, reference {windows.Where(w => !w.Engine).Sum(w => w.Latency.Missed)}";
        // PostgreSQL's CPU in a window includes place_order (the same for both): the difference is what the engine's pickup asks of it.
        report.Details["reference_windows_db_cpu_ms_per_order_engine"] = Round(PostgresMs(engine: true));
        report.Details["reference_windows_db_cpu_ms_per_order_reference"] = Round(PostgresMs(engine: false));
    }
}
