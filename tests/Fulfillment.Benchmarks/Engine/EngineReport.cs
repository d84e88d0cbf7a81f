using System.Text.Json;
using Fulfillment.Benchmarks.Shared;
using static Fulfillment.Benchmarks.Engine.EngineBenchmark;

namespace Fulfillment.Benchmarks.Engine;

/// <summary>The <c>engine</c> verb's figures, table and JSON.</summary>
public sealed class EngineReport
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public Baseline Commits { get; set; } = new(double.NaN, 0, 0, 0, double.NaN, double.NaN);

    public Baseline Adds { get; set; } = new(double.NaN, 0, 0, 0, double.NaN, double.NaN);

    /// <summary>Orders answered per second by raw multi-status calls (100 ids each), the tracker's concurrency.</summary>
    public Baseline Statuses { get; set; } = new(double.NaN, 0, 0, 0, double.NaN, double.NaN);

    /// <summary>Refunds per second of the finish SQL alone (OrderFinisher, 1,000 a transaction); its latencies are per transaction.</summary>
    public Baseline Finishes { get; set; } = new(double.NaN, 0, 0, 0, double.NaN, double.NaN);

    public double PickupP50 { get; set; } = double.NaN;

    public double PickupP99 { get; set; } = double.NaN;

    public double Dispatch { get; set; } = double.NaN;

    public double StatusSync { get; set; } = double.NaN;

    public double Refunds { get; set; } = double.NaN;

    public double PeakWorkingSetMb { get; set; } = double.NaN;

    public double WorkingSetBeforeEngineMb { get; set; } = double.NaN;

    /// <summary>WAL bytes per order over a whole life that ends completed (placement, dispatch, a status check, finish), from the server.</summary>
    public double WalBytesPerOrder { get; set; } = double.NaN;

    /// <summary>WAL bytes per order of <c>place_order</c> alone, in the same cohort.</summary>
    public double WalBytesPerPlacement { get; set; } = double.NaN;

    /// <summary>The engine process's pickup p99 over its windows alternating with the reference's.</summary>
    public double PickupP99Windows { get; set; } = double.NaN;

    /// <summary>The reference's pickup p99 over its windows (<see cref="Reference.ReferenceEngine"/>).</summary>
    public double PickupP99Reference { get; set; } = double.NaN;

    /// <summary>The engine process's CPU ms per order picked up in its windows.</summary>
    public double PickupCpuMsPerOrder { get; set; } = double.NaN;

    /// <summary>The reference process's CPU ms per order picked up in its windows.</summary>
    public double ReferenceCpuMsPerOrder { get; set; } = double.NaN;

    /// <summary>The engine's CPU ms per order over a whole completed life (its dispatch, one status check, the finish).</summary>
    public double EngineCpuMsPerOrder { get; set; } = double.NaN;

    /// <summary>PostgreSQL's CPU ms per order over a whole completed life (placement included).</summary>
    public double DbCpuMsPerOrder { get; set; } = double.NaN;

    /// <summary>PostgreSQL's CPU ms per order of <c>place_order</c> alone, in the same cohort.</summary>
    public double DbCpuMsPerPlacement { get; set; } = double.NaN;

    /// <summary>The engine process's (<c>fulfillment run</c>) highest resident memory at steady load, without the load generator.</summary>
    public double EngineRssMb { get; set; } = double.NaN;

    /// <summary>Lines the engine process logged at Information and above per 1,000 orders placed, dispatched and checked under load.</summary>
    public double LogLinesPer1000Orders { get; set; } = double.NaN;

    /// <summary>The same process's resident memory when idle after start.</summary>
    public double EngineIdleRssMb { get; set; } = double.NaN;

    public Dictionary<string, object> Settings { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, object> Details { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, object> Environment { get; } = new(StringComparer.Ordinal);

    /// <summary>The unloaded floor of a pickup: two engine commits (claim, mark sending) and one add, each at this percentile alone.</summary>
    internal double Floor(bool p99) => p99 ? (2 * Commits.SingleP99Ms) + Adds.SingleP99Ms : (2 * Commits.SingleP50Ms) + Adds.SingleP50Ms;

    public IReadOnlyList<VerbFigure> Figures() =>
    [
        Figure("p50_pickup_ms", PickupP50, "ms", "-", null, "floor: 2 commits + 1 add, p50 alone", Floor(p99: false)),
        Figure("p99_pickup_ms", PickupP99, "ms", "<= 50", PickupP99 <= 50, "floor: 2 commits + 1 add, p99 alone", Floor(p99: true)),
        Figure("dispatch_per_s", Dispatch, "orders/s", ">= 5000", Dispatch >= 5000, "raw adds/s (orders the simulator accepts, 32 clients)", Adds.PerSecond),
        Figure("status_sync_per_s", StatusSync, "orders/s", ">= 20000", StatusSync >= 20_000,
            "raw status answers/s (orders answered, 100-id calls, 8 at once)", Statuses.PerSecond),
        Figure("refunds_per_s", Refunds, "refunds/s", ">= 10000", Refunds >= 10_000,
            "raw finish SQL refunds/s (1,000 a transaction, 2 connections)", Finishes.PerSecond),
        Figure("peak_working_set_mb", PeakWorkingSetMb, "MB", "<= 200", PeakWorkingSetMb <= 200, "working set before the engine", WorkingSetBeforeEngineMb),
        // Already a ratio: p99 pickup over its p99 floor; its own ratio is itself.
        Figure("pickup_p99_floor_ratio", PickupP99 / Floor(p99: true), "x", "<= 10", PickupP99 / Floor(p99: true) <= 10,
            "floor: 2 commits + 1 add, p99 alone (ms)", Floor(p99: true), ratio: PickupP99 / Floor(p99: true)),
        Figure("wal_bytes_per_order", WalBytesPerOrder, "bytes", "-", null, "WAL bytes of place_order alone, per order", WalBytesPerPlacement),
        Figure("engine_rss_mb", EngineRssMb, "MB", "-", null, "the engine process idle after start (VmRSS)", EngineIdleRssMb),
        Figure("pickup_p99_reference_ms", PickupP99Reference, "ms", "-", null, "floor: 2 commits + 1 add, p99 alone", Floor(p99: true)),
        Figure("pickup_p99_reference_ratio", ReferenceRatio, "x", "<= 1.5", ReferenceRatio <= 1.5,
            "the reference's p99 (ms), windows alternating with the engine process's", PickupP99Reference, ratio: ReferenceRatio),
        Figure("engine_cpu_ms_per_order", EngineCpuMsPerOrder, "ms", "-", null, "the engine process's CPU ms per order picked up (pickup windows)",
            PickupCpuMsPerOrder),
        Figure("db_cpu_ms_per_order", DbCpuMsPerOrder, "ms", "-", null, "PostgreSQL's CPU ms per order of place_order alone", DbCpuMsPerPlacement),
        Figure("engine_cpu_reference_ratio", CpuRatio, "x", "<= 2", CpuRatio <= 2,
            "the reference's CPU ms per order picked up (pickup windows)", ReferenceCpuMsPerOrder, ratio: CpuRatio),
        Figure("log_lines_per_1000_orders", LogLinesPer1000Orders, "lines", "<= 20", LogLinesPer1000Orders <= 20,
            "none: each line is the engine's own (Information and above, as shipped)", 0),
        Figure("wal_place_order_ratio", WalRatio, "x", "<= 2.5", WalRatio <= 2.5, "WAL bytes of place_order alone, per order", WalBytesPerPlacement,
            ratio: WalRatio),
    ];

    private double ReferenceRatio => PickupP99Windows / PickupP99Reference;

    private double CpuRatio => PickupCpuMsPerOrder / ReferenceCpuMsPerOrder;

    private double WalRatio => WalBytesPerOrder / WalBytesPerPlacement;

    private static VerbFigure Figure(string name, double value, string unit, string target, bool? met, string baseline, double baselineValue, double? ratio = null) =>
        new(name, Math.Round(value, 2), unit, target, double.IsNaN(value) ? null : met, baseline, Math.Round(baselineValue, 2),
            Math.Round(ratio ?? (baselineValue > 0 ? value / baselineValue : double.NaN), 3));

    public void Print()
    {
        Console.WriteLine();
        Console.WriteLine($"{Environment.GetValueOrDefault("cores")} cores, .NET {Environment.GetValueOrDefault("dotnet")}, server GC {Environment.GetValueOrDefault("server_gc")}, " +
            $"PostgreSQL from {Environment.GetValueOrDefault("postgres")} ({Environment.GetValueOrDefault("postgres_settings")})");
        Console.WriteLine($"load average before {Environment.GetValueOrDefault("load_average_before")}, after {Environment.GetValueOrDefault("load_average_after")}");
        Console.WriteLine($"settings: {string.Join(", ", Settings.Select(kv => $"{kv.Key}={kv.Value}"))}");
        Console.WriteLine();
        Console.WriteLine("| figure | value | target | met | baseline | baseline value | ratio |");
        Console.WriteLine("|---|---:|---|---|---|---:|---:|");
        foreach (var f in Figures())
        {
            var met = f.TargetMet switch { true => "yes", false => "NO", null => "-" };
            Console.WriteLine($"| {f.Figure} | {Format(f.Value, "0.##")} | {f.Target} | {met} | {f.Baseline} | {Format(f.BaselineValue, "0.##")} | {Format(f.Ratio, "0.###")} |");
        }

        Console.WriteLine();
        Console.WriteLine("| baseline | per second | count | seconds | concurrency | alone p50 ms | alone p99 ms |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var (name, b) in new[]
                 {
                     ("single-row UPDATE commits", Commits), ("simulator adds", Adds), ("simulator status answers (orders)", Statuses),
                     ("finish SQL refunds (p50/p99 per 1,000)", Finishes),
                 })
        {
            Console.WriteLine($"| {name} | {Format(b.PerSecond, "0")} | {b.Count} | {Format(b.Seconds, "0.0")} | {b.Concurrency} | {Format(b.SingleP50Ms, "0.000")} | {Format(b.SingleP99Ms, "0.000")} |");
        }

        Console.WriteLine();
        Console.WriteLine("details: " + string.Join(", ", Details.Select(kv => $"{kv.Key}={kv.Value}")));
        Console.WriteLine("peak_working_set_mb is the whole benchmark process: engine, load generator and Npgsql pools; the simulator runs in its own process.");
    }

    public async Task WriteJsonAsync(string path)
    {
        var figures = Figures();
        var document = new
        {
            benchmark = "engine",
            figures = figures.ToDictionary(f => f.Figure, f => Json(f.Value)),
            baselines = new
            {
                db_commits_per_s = Json(Commits.PerSecond),
                db_commit_connections = Commits.Concurrency,
                db_commit_alone_p50_ms = Json(Commits.SingleP50Ms),
                db_commit_alone_p99_ms = Json(Commits.SingleP99Ms),
                simulator_adds_per_s = Json(Adds.PerSecond),
                simulator_add_concurrency = Adds.Concurrency,
                simulator_add_alone_p50_ms = Json(Adds.SingleP50Ms),
                simulator_add_alone_p99_ms = Json(Adds.SingleP99Ms),
                simulator_status_orders_per_s = Json(Statuses.PerSecond),
                simulator_status_concurrency = Statuses.Concurrency,
                db_finish_refunds_per_s = Json(Finishes.PerSecond),
                db_finish_connections = Finishes.Concurrency,
                working_set_before_engine_mb = Json(WorkingSetBeforeEngineMb),
                wal_bytes_per_placement = Json(WalBytesPerPlacement),
                engine_idle_rss_mb = Json(EngineIdleRssMb),
                reference_pickup_p99_ms = Json(PickupP99Reference),
                engine_windows_pickup_p99_ms = Json(PickupP99Windows),
                reference_cpu_ms_per_order = Json(ReferenceCpuMsPerOrder),
                engine_pickup_cpu_ms_per_order = Json(PickupCpuMsPerOrder),
                db_cpu_ms_per_placement = Json(DbCpuMsPerPlacement),
            },
            results = VerbReport.Results(figures),
            settings = Settings,
            details = Details,
            environment = Environment,
            note = "peak_working_set_mb is the whole benchmark process: engine, load generator and Npgsql pools; the simulator runs in its own process",
        };
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(document, Indented));
    }

    private static double? Json(double value) => VerbReport.Json(value);
}
