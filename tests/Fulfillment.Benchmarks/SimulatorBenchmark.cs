using System.Diagnostics;
using System.Text;
using Fulfillment.Benchmarks.Shared;
using Fulfillment.Simulator;

namespace Fulfillment.Benchmarks;

/// <summary>
/// How many <c>add</c> requests per second the in-process simulator serves: N loops, each a keep-alive
/// connection posting adds back to back for a fixed time. Client and server share the machine, so the
/// figure is a floor for the simulator alone.
/// </summary>
public static class SimulatorBenchmark
{
    public static async Task<int> RunAsync(BenchmarkArgs args)
    {
        // Recording stays on, as in tests; faults and latency off: this measures the server's own cost.
        await using var sim = await ProviderSimulator.StartAsync(new SimulatorSettings { ApiKey = "bench", Balance = decimal.MaxValue / 2 });
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = args.Concurrency, UseCookies = false };
        using var http = new HttpClient(handler);

        await DriveAsync(http, sim.ApiUrl, args.Concurrency, args.Warmup, "warmup");
        var (requests, accepted, latencies, elapsed) = await DriveAsync(http, sim.ApiUrl, args.Concurrency, args.Duration, "run");

        latencies.Sort();
        var result = new BenchmarkResult(
            "simulator add",
            args.Concurrency,
            elapsed.TotalSeconds,
            requests,
            accepted,
            requests - accepted,
            requests / elapsed.TotalSeconds,
            Percentile(latencies, 0.50),
            Percentile(latencies, 0.99));

        Console.WriteLine($"{Environment.ProcessorCount} cores, .NET {Environment.Version}, simulator recorded {sim.Record.Count("add")} adds");
        Console.WriteLine(BenchmarkResult.Header);
        Console.WriteLine(result.TableLine);
        if (args.JsonPath is { } path)
        {
            var report = new VerbReport("simulator");
            report.Add("add_requests_per_s", result.RequestsPerSecond, "requests/s", ">= 5000", result.RequestsPerSecond >= 5000, "-", 0, ratio: double.NaN);
            report.Add("add_p99_ms", result.P99Ms, "ms", "-", null, "add p50 (ms)", result.P50Ms);
            report.Settings["concurrency"] = args.Concurrency;
            report.Settings["duration_seconds"] = args.Duration.TotalSeconds;
            report.Settings["warmup_seconds"] = args.Warmup.TotalSeconds;
            report.Details["requests"] = result.Requests;
            report.Details["accepted"] = result.Accepted;
            report.Details["failed"] = result.Failed;
            report.Environment["cores"] = Environment.ProcessorCount;
            report.Environment["load_average_after"] = VerbArgs.LoadAverage();
            await report.WriteJsonAsync(path);
        }

        return 0;
    }

    private static async Task<(long Requests, long Accepted, List<double> LatenciesMs, TimeSpan Elapsed)> DriveAsync(
        HttpClient http, Uri api, int concurrency, TimeSpan duration, string phase)
    {
        using var stop = new CancellationTokenSource(duration);
        var clock = Stopwatch.StartNew();
        var loops = Enumerable.Range(0, concurrency).Select(loop => Task.Run(async () =>
        {
            long requests = 0, accepted = 0;
            var latencies = new List<double>(capacity: 100_000);
            while (!stop.IsCancellationRequested)
            {
                // A fresh link per add, so the provider's same-link rule never refuses one.
                var form = $"key=bench&action=add&service=3&quantity=100&link=https%3A%2F%2Fyoutube.com%2Fwatch%3Fv%3D{phase}-{loop}-{requests}";
                using var content = new StringContent(form, Encoding.UTF8, "application/x-www-form-urlencoded");
                var started = Stopwatch.GetTimestamp();
                using var response = await http.PostAsync(api, content);
                var body = await response.Content.ReadAsStringAsync();
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                requests++;
                if (body.StartsWith("{\"order\"", StringComparison.Ordinal))
                    accepted++;
            }

            return (requests, accepted, latencies);
        })).ToList();

        var results = await Task.WhenAll(loops);
        var elapsed = clock.Elapsed;
        return (results.Sum(r => r.requests), results.Sum(r => r.accepted), results.SelectMany(r => r.latencies).ToList(), elapsed);
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];
}
