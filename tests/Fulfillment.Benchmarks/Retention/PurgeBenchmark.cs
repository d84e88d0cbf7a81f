using System.Diagnostics;
using System.Globalization;
using Fulfillment.Benchmarks.Shared;
using Fulfillment.Data;
using Fulfillment.Engine.Retention;
using Fulfillment.LocalPostgres;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Fulfillment.Benchmarks.Retention;

/// <summary>
/// <c>purge</c>: PurgeExpiredData deletes N expired <c>activity_log</c> rows (default 1,000,000, plus
/// 100,000 recent ones it must keep) while one loop calls <c>place_order</c> back to back. Prints the
/// purge's rows/s and the worst <c>place_order</c> latency during the purge, next to a baseline
/// measured before it. Targets: at least 100,000 rows/s; worst latency under 50 ms.
/// </summary>
public static class PurgeBenchmark
{
    public const string Usage =
        "usage: Fulfillment.Benchmarks purge [--rows N] [--kept N] [--batch-size N] [--pause-ms MS] [--baseline SECONDS] [--quick] [--json PATH]";

    public static async Task<int> RunAsync(string[] args)
    {
        var options = Options(args, out var settings);
        if (options is null)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        var quick = args.Contains("--" + VerbArgs.Quick, StringComparer.Ordinal);
        var rows = settings.GetValueOrDefault("rows", quick ? 20_000 : 1_000_000);
        var kept = settings.GetValueOrDefault("kept", quick ? 2_000 : 100_000);
        var baselineSeconds = settings.GetValueOrDefault("baseline", quick ? 1 : 3);
        var json = Value(args, "json");

        await using var server = await PostgresServer.StartAsync(Console.WriteLine);
        var name = $"bench_retention_{Guid.NewGuid():N}";
        var connectionString = await server.CreateDatabaseAsync(name);
        try
        {
            await Fulfillment.Worker.Cli.SchemaMigrator.MigrateAsync(connectionString, "qrtz_");

            await using var db = NpgsqlDataSource.Create(connectionString);
            var now = DateTimeOffset.UtcNow;
            var (users, service) = await SeedCustomersAsync(db);
            var copied = Stopwatch.StartNew();
            await CopyActivityAsync(db, users, rows, kept, now);
            await ExecuteAsync(db, "VACUUM ANALYZE activity_log");
            Console.WriteLine($"copied {rows + kept:N0} activity_log rows in {copied.Elapsed.TotalSeconds:0.0} s");

            var baseline = await MeasurePlaceOrderAsync(db, users, service, until: Task.Delay(TimeSpan.FromSeconds(baselineSeconds)));

            using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information));
            var runner = new RetentionRunner(db, Microsoft.Extensions.Options.Options.Create(options), TimeProvider.System, loggers.CreateLogger<RetentionRunner>());
            var purge = runner.RunAsync(CancellationToken.None);
            var during = await MeasurePlaceOrderAsync(db, users, service, until: purge);
            var report = await purge;

            var step = report.Steps.Single(s => s.Step == RetentionSteps.ActivityLog);
            var left = await ScalarAsync(db, "SELECT count(*) FROM activity_log");
            var rowsPerSecond = step.Rows / step.Elapsed.TotalSeconds;
            var result = new
            {
                benchmark = "purge activity_log",
                cores = Environment.ProcessorCount,
                postgres = server.Source,
                batch_size = options.BatchSize,
                batch_pause_ms = options.BatchPause.TotalMilliseconds,
                rows_deleted = step.Rows,
                rows_kept = left,
                batches = step.Batches,
                seconds = step.Elapsed.TotalSeconds,
                rows_per_second = rowsPerSecond,
                place_order_calls = during.Calls,
                place_order_p50_ms = during.P50,
                place_order_p99_ms = during.P99,
                place_order_worst_ms = during.Worst,
                baseline_place_order_calls = baseline.Calls,
                baseline_place_order_p99_ms = baseline.P99,
                baseline_place_order_worst_ms = baseline.Worst,
            };

            Console.WriteLine($"{Environment.ProcessorCount} cores, .NET {Environment.Version}, PostgreSQL from {server.Source}");
            Console.WriteLine("| benchmark | rows | batch | pause ms | seconds | rows/s | place_order calls | p50 ms | p99 ms | worst ms | worst ms before |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| purge activity_log | {step.Rows} | {options.BatchSize} | {options.BatchPause.TotalMilliseconds:0} | {step.Elapsed.TotalSeconds:0.00} | {rowsPerSecond:0} | {during.Calls} | {during.P50:0.00} | {during.P99:0.00} | {during.Worst:0.00} | {baseline.Worst:0.00} |"));
            if (json is not null)
            {
                var verb = new VerbReport("purge");
                verb.Add("purge_rows_per_s", rowsPerSecond, "rows/s", ">= 100000", rowsPerSecond >= 100_000, "-", 0, ratio: double.NaN);
                verb.Add("purge_worst_place_order_ms", during.Worst, "ms", "< 50", during.Worst < 50, "worst place_order before the purge (ms)", baseline.Worst);
                verb.Add("purge_place_order_p99_ms", during.P99, "ms", "-", null, "place_order p99 before the purge (ms)", baseline.P99);
                verb.Baselines["place_order_worst_ms_before"] = baseline.Worst;
                verb.Baselines["place_order_p99_ms_before"] = baseline.P99;
                verb.Settings["rows"] = rows;
                verb.Settings["kept"] = kept;
                verb.Settings["batch_size"] = options.BatchSize;
                verb.Settings["batch_pause_ms"] = options.BatchPause.TotalMilliseconds;
                foreach (var property in result.GetType().GetProperties())
                {
                    verb.Details[property.Name] = property.GetValue(result)!;
                }

                verb.Environment["cores"] = Environment.ProcessorCount;
                verb.Environment["postgres"] = server.Source;
                await verb.WriteJsonAsync(json);
            }

            var ok = step.Rows == rows && left == kept;
            if (!ok)
            {
                Console.Error.WriteLine($"expected {rows} rows deleted and {kept} kept, got {step.Rows} and {left}");
            }

            return ok ? 0 : 1;
        }
        finally
        {
            await server.DropDatabaseAsync(name);
        }
    }

    private static async Task<(long[] Users, long Service)> SeedCustomersAsync(NpgsqlDataSource db)
    {
        var provider = await ScalarAsync(db, "INSERT INTO providers (name, api_url, api_key) VALUES ('bench', 'http://127.0.0.1:1/api/v2', 'k') RETURNING id");
        var service = await ScalarAsync(db,
            $"INSERT INTO services (name, provider_id, provider_service_id, rate, min, max) VALUES ('bench', {provider}, '1', 0.001, 1, 1000000) RETURNING id");
        var users = new long[1000];
        for (var i = 0; i < users.Length; i++)
        {
            users[i] = await ScalarAsync(db, $"INSERT INTO users (username, email, last_active_at) VALUES ('bench{i}', 'b{i}@example.com', now()) RETURNING id");
        }

        // Only the first few place orders; they need money for the whole run.
        for (var i = 0; i < 8; i++)
        {
            await ScalarAsync(db, $"SELECT deposit({users[i]}, 1000000, 'bench-{i}')");
        }

        return (users, service);
    }

    private static async Task CopyActivityAsync(NpgsqlDataSource db, long[] users, int expired, int kept, DateTimeOffset now)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var writer = await connection.BeginBinaryImportAsync(
            "COPY activity_log (user_id, ip, action, created_at) FROM STDIN (FORMAT BINARY)");
        for (var i = 0; i < expired + kept; i++)
        {
            // Expired rows are 1 to 2 years old and come first, as in a real log; the kept ones are younger than 300 days.
            var age = i < expired
                ? TimeSpan.FromDays(366) + TimeSpan.FromMinutes(i % (365 * 24 * 60))
                : TimeSpan.FromMinutes(i % (300 * 24 * 60));
            await writer.StartRowAsync();
            await writer.WriteAsync(users[i % users.Length], NpgsqlDbType.Bigint);
            await writer.WriteAsync($"203.0.{i % 256}.{i / 256 % 256}", NpgsqlDbType.Text);
            await writer.WriteAsync(i % 3 == 0 ? "order" : "login", NpgsqlDbType.Text);
            await writer.WriteAsync((now - age).UtcDateTime, NpgsqlDbType.TimestampTz);
        }

        await writer.CompleteAsync();
    }

    private static async Task<(long Calls, double P50, double P99, double Worst)> MeasurePlaceOrderAsync(
        NpgsqlDataSource db, long[] users, long service, Task until)
    {
        var latencies = new List<double>(100_000);
        await using var connection = await db.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("SELECT place_order($1, $2, $3, 100)", connection);
        command.Parameters.Add(new NpgsqlParameter<long>());
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = service });
        command.Parameters.Add(new NpgsqlParameter<string>());
        await command.PrepareAsync();
        for (var i = 0; !until.IsCompleted; i++)
        {
            ((NpgsqlParameter<long>)command.Parameters[0]).TypedValue = users[i % 8];
            ((NpgsqlParameter<string>)command.Parameters[2]).TypedValue = $"https://instagram.com/p/bench{i}";
            var started = Stopwatch.GetTimestamp();
            await command.ExecuteScalarAsync();
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        latencies.Sort();
        double At(double p) => latencies.Count == 0 ? 0 : latencies[Math.Min(latencies.Count - 1, (int)(p * latencies.Count))];
        return (latencies.Count, At(0.50), At(0.99), latencies.Count == 0 ? 0 : latencies[^1]);
    }

    /// <summary>The shipped retention defaults (so the figure is what a nightly run does), overridable from the command line.</summary>
    private static RetentionOptions? Options(string[] args, out Dictionary<string, int> settings)
    {
        settings = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var key in new[] { "rows", "kept", "batch-size", "pause-ms", "baseline" })
        {
            var value = Value(args, key);
            if (value is null)
            {
                continue;
            }

            if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) || number < 0)
            {
                return null;
            }

            settings[key] = number;
        }

        var options = new RetentionOptions();
        if (settings.TryGetValue("batch-size", out var batch))
        {
            options.BatchSize = batch;
        }

        if (settings.TryGetValue("pause-ms", out var pause))
        {
            options.BatchPause = TimeSpan.FromMilliseconds(pause);
        }

        return options;
    }

    private static string? Value(string[] args, string name)
    {
        var i = Array.IndexOf(args, "--" + name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static async Task<long> ScalarAsync(NpgsqlDataSource db, string sql)
    {
        await using var command = db.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private static async Task ExecuteAsync(NpgsqlDataSource db, string sql)
    {
        await using var command = db.CreateCommand(sql);
        command.CommandTimeout = 600;
        await command.ExecuteNonQueryAsync();
    }
}
