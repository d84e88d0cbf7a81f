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

        // --quick takes no value: a run of seconds.
        var quick = args.Contains("--quick", StringComparer.Ordinal);
        return new BenchmarkArgs(
            values.TryGetValue("concurrency", out var c) ? int.Parse(c, CultureInfo.InvariantCulture) : 32,
            TimeSpan.FromSeconds(Seconds("duration", quick ? 2 : 10)),
            TimeSpan.FromSeconds(Seconds("warmup", quick ? 0.5 : 2)),
            values.GetValueOrDefault("json"));
    }
}
