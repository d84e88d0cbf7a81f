using System.Text.Json;
using System.Text.Json.Serialization;

namespace Fulfillment.Benchmarks;

public sealed record BenchmarkResult(
    string Name, int Concurrency, double Seconds, long Requests, long Accepted, long Failed, double RequestsPerSecond, double P50Ms, double P99Ms)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    [JsonIgnore]
    public static string Header =>
        "| benchmark | concurrency | seconds | requests | accepted | failed | requests/s | p50 ms | p99 ms |\n" +
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|";

    [JsonIgnore]
    public string TableLine =>
        $"| {Name} | {Concurrency} | {Seconds:0.0} | {Requests} | {Accepted} | {Failed} | {RequestsPerSecond:0} | {P50Ms:0.00} | {P99Ms:0.00} |";

    public async Task WriteJsonAsync(string path) =>
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(new { results = new[] { this } }, Indented));
}
