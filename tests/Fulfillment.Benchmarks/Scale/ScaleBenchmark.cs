using System.Diagnostics;
using System.Globalization;
using Fulfillment.Benchmarks.Engine;
using Fulfillment.Benchmarks.Shared;
using Fulfillment.Engine.Dispatch;
using Fulfillment.LocalPostgres;
using Npgsql;

namespace Fulfillment.Benchmarks.Scale;

/// <summary>
/// <c>scale</c>: 1, 2 and 4 engine processes (<c>fulfillment run</c>, as shipped) on one database, against the simulator in its own
/// process with a provider's latency (uniform 25..75 ms: 50 ms median) and a cap on requests it serves at once. Each run: the
/// engines start idle; a queued load of orders appears in one transaction; the sustained dispatch rate is read from the
/// database between 10% and 90% of the queue sent; then every order is made due for its status check at once and the
/// sustained status-sync rate is read the same way (the provider has finished them: each check finishes the order). Per run
/// also: the Quartz cluster's rows written (qrtz_* tables), the WAL, the CPU of the engines, the simulator and the rest of the
/// machine (PostgreSQL, this process), and the dispatch claim's plan (buffers read per order claimed).
/// </summary>
public static class ScaleBenchmark
{
    public const string Usage =
        "usage: Fulfillment.Benchmarks scale [--instances 1,2,4] [--orders N] [--per-instance-concurrency N] [--tracking-concurrency N] [--upstream-cap N] [--quick] [--json PATH]";

    private const string Key = "bench";

    /// <summary>One round: <paramref name="Instances"/> engine processes, each with <paramref name="Times"/> times the per-instance concurrency.</summary>
    private sealed record Round(int Instances, int Times)
    {
        public string Name => Times == 1 ? Instances.ToString(CultureInfo.InvariantCulture) : $"1x{Times}";
    }

    private sealed record Run(Round Round, double Dispatch, double Status, double DispatchSeconds, double StatusSeconds, long QuartzRows, long QuartzRowsStatus,
        double QuartzRowsPerS, long WalBytes, double EngineCpuMs, double SimulatorCpuMs, double MachineBusy, double RestCpuMs, double ClaimBuffersPerOrder,
        double ClaimMsPerOrder, string Statuses, double Load1, double PostgresCpuMs)
    {
        public int Instances => Round.Instances;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        if (VerbArgs.Parse(args, "instances", "orders", "per-instance-concurrency", "tracking-concurrency", "upstream-cap", "json") is not { } values)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        var counts = values.GetValueOrDefault("instances", "1,2,4").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var quick = values.IsQuick();
        var orders = values.Count("orders", quick ? 1_200 : 12_000);
        var perInstance = values.Count("per-instance-concurrency", 16);
        // Status calls in flight per instance (Fulfillment:Tracking:MaxParallelCalls). One call of 100 ids at 50 ms is 2,000
        // orders/s: low enough that two instances stay below what this machine's database records, so the round measures
        // how instances share the due orders, not the CPU.
        var tracking = values.Count("tracking-concurrency", 1);
        var upstreamCap = values.Count("upstream-cap", 100);
        var report = new VerbReport("scale");
        report.Environment["load_average_before"] = VerbArgs.LoadAverage();
        var total = Stopwatch.StartNew();
        await using var server = await PostgresServer.StartAsync(Console.WriteLine);
        var name = $"bench_scale_{Guid.NewGuid():N}"[..32];
        var connectionString = await server.CreateDatabaseAsync(name);
        try
        {
            await Fulfillment.Worker.Cli.SchemaMigrator.MigrateAsync(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString, "qrtz_");
            // A provider as the engine meets it: 50 ms median latency with jitter, a cap on requests served at once; orders over
            // 80 ms after their add (so a status check finishes each), every one completed.
            await using var sim = await SimulatorProcess.StartAsync(Key, new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["Balance"] = "1000000000000",
                ["DuplicateLinkRefusal"] = "false",
                ["PartialProbability"] = "0",
                ["CanceledProbability"] = "0",
                ["OverDeliveryProbability"] = "0",
                ["RecordRequests"] = "false",
                ["LatencyMin"] = "00:00:00.025",
                ["LatencyMax"] = "00:00:00.075",
                ["MaxConcurrentRequests"] = upstreamCap.ToString(CultureInfo.InvariantCulture),
                ["SpeedFactor"] = "1000",
            });
            await using var db = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = 50 }.ConnectionString);
            var panel = await PanelLoad.SeedAsync(db, sim.ApiUrl, Key, userCount: 64);
            string[] common =
            [
                $"--ConnectionStrings:Panel={connectionString}",
                "--Serilog:MinimumLevel:Default=Warning",
                // Checks wait until the status phase makes them due; then the clustered SyncOrderStatus job fires every second.
                "--Fulfillment:Tracking:FirstCheckAfter=01:00:00",
                "--Fulfillment:Jobs:SyncOrderStatus:Interval=00:00:01",
                "--Fulfillment:Jobs:PurgeExpiredData:Enabled=false",
                "--Fulfillment:Jobs:SyncProviderServices:Enabled=false",
            ];
            // Coordination: one instance with N times the concurrency of each of N instances, against the same provider.
            var rounds = counts.Select(n => new Round(n, 1))
                .Concat(counts.Where(n => n > 1).Select(n => new Round(1, n)))
                .ToList();
            var runs = new List<Run>();
            foreach (var round in rounds)
            {
                Console.WriteLine($"scale: {round.Instances} engine process(es), {round.Times * perInstance} adds and {round.Times * tracking} status calls in flight each, {orders:N0} queued orders...");
                string[] concurrency =
                [
                    $"--Fulfillment:Providers:Defaults:MaxConcurrency={round.Times * perInstance}",
                    $"--Fulfillment:Dispatch:MaxParallelSends={Math.Max(64, round.Times * perInstance)}",
                    $"--Fulfillment:Tracking:MaxParallelCalls={round.Times * tracking}",
                ];
                runs.Add(await MeasureAsync(connectionString, db, panel, sim, [.. common, .. concurrency], round, orders, runs.Count, quick));
            }

            var scaled = runs.Where(r => r.Round.Times == 1).ToList();
            var one = scaled.FirstOrDefault(r => r.Instances == 1) ?? runs[0];
            foreach (var r in scaled)
            {
                report.Add($"dispatch_per_s_{r.Instances}", r.Dispatch, "orders/s", "-", null, "provider bound: instances x per-instance cap / 50 ms",
                    r.Instances * perInstance / 0.050);
            }

            foreach (var r in scaled.Where(r => r.Instances > 1))
            {
                var goal = r.Instances == 2 ? 1.8 : r.Instances >= 4 ? 3.0 : double.NaN;
                report.Add($"scale_ratio_{r.Instances}", r.Dispatch / one.Dispatch, "x", double.IsNaN(goal) ? "-" : $">= {goal}",
                    double.IsNaN(goal) ? null : r.Dispatch / one.Dispatch >= goal, "dispatch_per_s_1", one.Dispatch, ratio: r.Dispatch / one.Dispatch);
            }

            foreach (var r in scaled)
            {
                report.Add($"status_sync_per_s_{r.Instances}", r.Status, "orders/s", "-", null, "status_sync_per_s_1", one.Status);
            }

            foreach (var r in scaled.Where(r => r.Instances > 1))
            {
                if (runs.FirstOrDefault(c => c.Round == new Round(1, r.Instances)) is not { } alone)
                {
                    continue;
                }

                var at = r.Instances.ToString(CultureInfo.InvariantCulture);
                report.Add($"dispatch_per_s_1x{at}", alone.Dispatch, "orders/s", "-", null, $"provider bound: {r.Instances} x per-instance cap / 50 ms",
                    r.Instances * perInstance / 0.050);
                report.Add($"scale_coordination_ratio_{at}", r.Dispatch / alone.Dispatch, "x", ">= 0.9", r.Dispatch / alone.Dispatch >= 0.9,
                    $"dispatch_per_s_1x{at}: one instance with {r.Instances}x the adds in flight", alone.Dispatch, ratio: r.Dispatch / alone.Dispatch);
                report.Add($"status_sync_per_s_1x{at}", alone.Status, "orders/s", "-", null, $"provider bound: {r.Instances} x tracking calls x 100 ids / 50 ms",
                    r.Instances * tracking * 100 / 0.050);
                var statusGoal = r.Instances == 2;
                report.Add($"status_coordination_ratio_{at}", r.Status / alone.Status, "x", statusGoal ? ">= 0.9" : "-", statusGoal ? r.Status / alone.Status >= 0.9 : null,
                    $"status_sync_per_s_1x{at}: one instance with {r.Instances}x the status calls in flight", alone.Status, ratio: r.Status / alone.Status);
            }

            foreach (var r in runs)
            {
                var at = r.Round.Name;
                report.Add($"quartz_rows_per_order_{at}", (double)r.QuartzRows / orders, "rows", "-", null, "rows written per order (all tables but qrtz_*)",
                    0, ratio: double.NaN);
                report.Add($"claim_buffers_per_order_{at}", r.ClaimBuffersPerOrder, "8 kB pages", "-", null, "-", 0, ratio: double.NaN);
                report.Add($"postgres_cpu_ms_per_order_{at}", r.PostgresCpuMs, "ms", "-", null, "engines' CPU ms per order", r.EngineCpuMs);
                report.Details[$"run_{at}"] = string.Create(CultureInfo.InvariantCulture,
                    $"dispatch {r.Dispatch:0}/s over {r.DispatchSeconds:0.0} s, status {r.Status:0}/s over {r.StatusSeconds:0.0} s; quartz rows {r.QuartzRows} ({r.QuartzRowsPerS:0.0}/s, {r.QuartzRowsStatus} in the status phase); " +
                    $"WAL {r.WalBytes / (double)orders:0} bytes/order; CPU ms/order: engines {r.EngineCpuMs:0.00}, PostgreSQL {r.PostgresCpuMs:0.00}, simulator {r.SimulatorCpuMs:0.00}, everything else on the shared machine {r.RestCpuMs:0.00}; " +
                    $"machine busy {r.MachineBusy:P0} of {Environment.ProcessorCount} cores; claim {r.ClaimBuffersPerOrder:0.0} pages/order, {r.ClaimMsPerOrder:0.000} ms/order; load1 {r.Load1:0.0}; {r.Statuses}");
            }

            var last = scaled[^1];
            var providerBound = last.Instances * perInstance / 0.050;
            var bottleneck = last.Instances * perInstance >= upstreamCap && last.Dispatch >= 0.8 * upstreamCap / 0.050
                ? $"the provider's cap: {last.Instances} x {perInstance} requests in flight meet its {upstreamCap} at 50 ms each"
                : last.MachineBusy >= 0.85
                    ? $"the machine's {Environment.ProcessorCount} cores: {last.MachineBusy:P0} busy at {last.Instances} instances (engines {last.EngineCpuMs:0.00} ms, PostgreSQL {last.PostgresCpuMs:0.00} ms, simulator {last.SimulatorCpuMs:0.00} ms, everything else on the shared machine {last.RestCpuMs:0.00} ms of CPU per order)"
                    : last.Dispatch < 0.8 * providerBound
                        ? $"below the provider bound ({providerBound:0}/s) with {1 - last.MachineBusy:P0} of the CPU idle: the engines' own passes (claim, mark, record round trips) or the database's locks"
                        : "none reached: the curve is still provider-bound (add instances or raise the per-instance cap)";
            report.Details["bottleneck"] = bottleneck;
            report.Settings["instances"] = string.Join(',', counts);
            report.Settings["rounds"] = string.Join(',', rounds.Select(r => r.Name));
            report.Settings["per_instance_status_calls"] = tracking;
            report.Settings["quick"] = quick;
            report.Settings["queued_orders"] = orders;
            report.Settings["per_instance_provider_concurrency"] = perInstance;
            report.Settings["upstream_cap"] = upstreamCap;
            report.Settings["provider_latency"] = "uniform 25..75 ms (50 ms median), on every action";
            report.Settings["status_job"] = "SyncOrderStatus every 1 s on every instance (each claims its share with SKIP LOCKED)";
            report.Baselines["per_instance_provider_bound_per_s"] = perInstance / 0.050;
            report.Baselines["dispatch_per_s_1"] = VerbReport.Json(one.Dispatch);
            report.Baselines["status_sync_per_s_1"] = VerbReport.Json(one.Status);
            report.Environment["cores"] = Environment.ProcessorCount;
            report.Environment["postgres"] = server.Source;
            report.Environment["total_seconds"] = Math.Round(total.Elapsed.TotalSeconds, 1);
            report.Environment["load_average_after"] = VerbArgs.LoadAverage();
            report.Notes.Add("scale_ratio_N = dispatch_per_s_N / dispatch_per_s_1 (same run). Status checks are made due by one UPDATE (a setup write, untimed).");
            report.Notes.Add("scale_coordination_ratio_N = dispatch_per_s_N / dispatch_per_s_1xN; status_coordination_ratio_N likewise: N instances against one instance with N times the concurrency, the same provider cap.");
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

    private static async Task<Run> MeasureAsync(string connectionString, NpgsqlDataSource db, PanelLoad panel, SimulatorProcess sim, string[] common, Round shape,
        int orders, int round, bool quick)
    {
        var n = shape.Instances;
        var engines = new List<EngineProcess>();
        try
        {
            for (var i = 0; i < n; i++)
            {
                engines.Add(EngineProcess.StartRun($"scale-{shape.Name}-{i}", common, outputLimit: 200_000));
            }

            foreach (var engine in engines)
            {
                await engine.WaitStartedAsync(TimeSpan.FromSeconds(90));
            }

            await Task.Delay(TimeSpan.FromSeconds(quick ? 1 : 3)); // JIT and pools settle, listeners are up
            var tag = $"s{(char)('a' + round)}";
            // The claim's plan and buffers on a queue of the same shape (placed, explained, rolled back).
            var (claimPages, claimMs) = await ClaimCostAsync(db, panel, tag);

            // A quick run skips the wait for other processes' table counters: its rows-written figures undercount.
            var before = await ServerCounters.TakeAsync(connectionString, flushPools: !quick);
            var cpu = CpuSnapshot.Take(engines, sim);
            var postgres = await PostgresCpu.FindAsync(db);
            var pgBefore = postgres?.Seconds() ?? double.NaN;
            // The queued load appears at once: one transaction of place_order calls (one commit, the NOTIFYs delivered with it).
            var first = await PanelLoad.ScalarAsync(db, """
                SELECT min(place_order(u.id, $1, 'https://instagram.com/p/' || $2 || lpad(g::text, 7, '0') || 'x', 100))
                FROM generate_series(1, $3) g
                JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM users WHERE username LIKE 'bench%') u ON u.k = g % 64
                """, panel.Service, tag, orders);
            var last = first + orders - 1;
            var dispatch = await SustainedAsync(db, first, last, "status <> 'pending' AND status <> 'dispatching'", TimeSpan.FromMinutes(5));
            var mid = await ServerCounters.TakeAsync(connectionString, flushPools: false);
            var quartzDispatch = QuartzRows(mid, before);

            await PanelLoad.ExecuteAsync(db, "UPDATE orders SET next_check_at = now() WHERE id BETWEEN $1 AND $2 AND status = 'in_progress'", first, last);
            var status = await SustainedAsync(db, first, last, "status NOT IN ('pending', 'dispatching', 'in_progress')", TimeSpan.FromMinutes(5));
            var cpuAfter = CpuSnapshot.Take(engines, sim);
            var pgCpu = (postgres?.Seconds() ?? double.NaN) - pgBefore;
            var after = await ServerCounters.TakeAsync(connectionString, flushPools: !quick);
            var delta = after.Since(before);
            var quartz = delta.Tables.Where(t => t.Key.StartsWith("qrtz_", StringComparison.Ordinal)).Sum(t => t.Value.Ins + t.Value.Upd + t.Value.Del);
            var seconds = (cpuAfter.At - cpu.At).TotalSeconds;
            var machineCpu = cpuAfter.MachineBusySeconds - cpu.MachineBusySeconds;
            var engineCpu = cpuAfter.EngineSeconds - cpu.EngineSeconds;
            var simCpu = cpuAfter.SimulatorSeconds - cpu.SimulatorSeconds;
            var statuses = await PanelLoad.TextAsync(db,
                "SELECT string_agg(status || '=' || c, ', ' ORDER BY status) FROM (SELECT status, count(*) c FROM orders WHERE id BETWEEN $1 AND $2 GROUP BY status) s", first, last);
            var load1 = double.Parse(VerbArgs.LoadAverage().Split(' ')[0], CultureInfo.InvariantCulture);
            foreach (var engine in engines.Where(e => e.HasExited))
            {
                Console.Error.WriteLine("an engine exited early:\n" + engine.Output);
            }

            return new Run(shape, dispatch.Rate, status.Rate, dispatch.Seconds, status.Seconds, quartz, quartz - quartzDispatch, quartz / Math.Max(1, seconds),
                delta.WalBytes, engineCpu * 1000 / orders, simCpu * 1000 / orders, machineCpu / (seconds * Environment.ProcessorCount),
                (machineCpu - engineCpu - simCpu - pgCpu) * 1000 / orders, claimPages, claimMs, statuses, load1, pgCpu * 1000 / orders);
        }
        finally
        {
            foreach (var engine in engines)
            {
                await engine.DisposeAsync();
            }
        }
    }

    private static long QuartzRows(ServerCounters after, ServerCounters before) =>
        after.Since(before).Tables.Where(t => t.Key.StartsWith("qrtz_", StringComparison.Ordinal)).Sum(t => t.Value.Ins + t.Value.Upd + t.Value.Del);

    /// <summary>Polls how many of the orders match <paramref name="done"/>; the rate between 10% and 90% of them.</summary>
    private static async Task<(double Rate, double Seconds)> SustainedAsync(NpgsqlDataSource db, long first, long last, string done, TimeSpan limit)
    {
        var total = last - first + 1;
        var clock = Stopwatch.StartNew();
        (double At, long Count)? low = null;
        (double At, long Count)? high = null;
        while (clock.Elapsed < limit)
        {
            var count = await PanelLoad.ScalarAsync(db, $"SELECT count(*) FROM orders WHERE id BETWEEN $1 AND $2 AND {done}", first, last);
            var at = clock.Elapsed.TotalSeconds;
            if (low is null && count >= total / 10)
            {
                low = (at, count);
            }

            if (count >= total * 9 / 10)
            {
                high ??= (at, count);
            }

            if (count >= total)
            {
                break;
            }

            await Task.Delay(100);
        }

        if (low is not { } l || high is not { } h || h.At <= l.At)
        {
            return (double.NaN, clock.Elapsed.TotalSeconds);
        }

        return ((h.Count - l.Count) / (h.At - l.At), h.At - l.At);
    }

    /// <summary>EXPLAIN ANALYZE of the production claim over 200 freshly placed orders, rolled back: pages and ms per order claimed.</summary>
    private static async Task<(double Pages, double Ms)> ClaimCostAsync(NpgsqlDataSource db, PanelLoad panel, string tag)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var place = new NpgsqlCommand("""
            SELECT count(place_order(u.id, $1, 'https://instagram.com/p/' || $2 || lpad(g::text, 7, '0') || 'y', 100))
            FROM generate_series(1, 200) g JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM users WHERE username LIKE 'bench%') u ON u.k = g % 64
            """, connection, transaction))
        {
            place.Parameters.Add(new NpgsqlParameter { Value = panel.Service });
            place.Parameters.Add(new NpgsqlParameter { Value = tag });
            await place.ExecuteNonQueryAsync();
        }

        await using var explain = new NpgsqlCommand("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + Fulfillment.Engine.Dispatch.Sql.ClaimOrders.Sql, connection, transaction);
        explain.Parameters.Add(new NpgsqlParameter { Value = DateTimeOffset.UtcNow });
        explain.Parameters.Add(new NpgsqlParameter { Value = 200 });
        explain.Parameters.Add(new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Bigint });
        var json = (string)(await explain.ExecuteScalarAsync())!;
        await transaction.RollbackAsync();
        using var document = System.Text.Json.JsonDocument.Parse(json);
        var root = document.RootElement[0];
        var plan = root.GetProperty("Plan");
        var pages = plan.GetProperty("Shared Hit Blocks").GetInt64() + plan.GetProperty("Shared Read Blocks").GetInt64();
        var rows = Math.Max(1, plan.GetProperty("Actual Rows").GetInt64());
        return ((double)pages / rows, root.GetProperty("Execution Time").GetDouble() / rows);
    }

    /// <summary>CPU seconds so far: the machine's busy time (/proc/stat), the engines', the simulator's.</summary>
    private sealed record CpuSnapshot(DateTimeOffset At, double MachineBusySeconds, double EngineSeconds, double SimulatorSeconds)
    {
        public static CpuSnapshot Take(IEnumerable<EngineProcess> engines, SimulatorProcess sim)
        {
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            // user nice system idle iowait irq softirq steal: busy is all but idle and iowait, in clock ticks (100 a second).
            var busy = fields.Take(8).Sum() - fields[3] - fields[4];
            return new CpuSnapshot(DateTimeOffset.UtcNow, busy / 100.0, engines.Sum(e => e.CpuSeconds()), sim.CpuSeconds());
        }
    }
}
