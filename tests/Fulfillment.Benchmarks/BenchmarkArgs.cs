using System.Globalization;

namespace Fulfillment.Benchmarks;

public sealed record BenchmarkArgs(int Concurrency, TimeSpan Duration, TimeSpan Warmup, string? JsonPath)
{
    public static BenchmarkArgs Parse(IEnumerable<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string? name = null;
        foreach (var arg in args)
        {
            if (arg.StartsWith("--", StringComparison.Ordinal))
                name = arg[2..];
            else if (name is not null)
                (values[name], name) = (arg, null);
        }

        double Seconds(string key, double fallback) =>
            values.TryGetValue(key, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;

        return new BenchmarkArgs(
            values.TryGetValue("concurrency", out var c) ? int.Parse(c, CultureInfo.InvariantCulture) : 32,
            TimeSpan.FromSeconds(Seconds("duration", 10)),
            TimeSpan.FromSeconds(Seconds("warmup", 2)),
            values.GetValueOrDefault("json"));
    }
}
