using System.Globalization;

namespace Fulfillment.Benchmarks.Engine;

/// <summary>The <c>engine</c> verb's knobs; every default keeps the whole run near two minutes on two cores.</summary>
public sealed record EngineBenchmarkArgs(
    int Orders,
    int RefundOrders,
    int Rate,
    double PickupSeconds,
    double BaselineSeconds,
    int DispatchBatch,
    int TrackingBatch,
    int MaxConcurrency,
    int Concurrency,
    int LifecycleOrders,
    double RssSeconds,
    bool PickupOnly,
    int ProviderLatencyMs,
    string? JsonPath,
    int ReferenceWindows = 3,
    double WindowSeconds = 5,
    bool Quick = false)
{
    public const string Usage =
        "usage: Fulfillment.Benchmarks engine [--orders N] [--refund-orders N] [--rate ORDERS_PER_S] [--pickup-seconds S] [--baseline-seconds S]\n" +
        "                                      [--dispatch-batch N] [--tracking-batch N] [--max-concurrency N] [--concurrency N]\n" +
        "                                      [--lifecycle-orders N] [--rss-seconds S] [--reference-windows N] [--window-seconds S]\n" +
        "                                      [--quick] [--json PATH]\n" +
        "       Fulfillment.Benchmarks engine --pickup-only 1 [--rate ORDERS_PER_S] [--pickup-seconds S] [--provider-latency-ms MS]\n" +
        "                                      (baselines and pickup only, no JSON; MS: the provider answers in MS/2..3MS/2)";

    public static EngineBenchmarkArgs? Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var quick = false;
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] == "--quick")
            {
                quick = true;
                continue;
            }

            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Count)
            {
                return null;
            }

            values[args[i][2..]] = args[++i];
        }

        var known = new[] { "orders", "refund-orders", "rate", "pickup-seconds", "baseline-seconds", "dispatch-batch", "tracking-batch", "max-concurrency", "concurrency", "lifecycle-orders", "rss-seconds", "pickup-only", "provider-latency-ms",
            "reference-windows", "window-seconds", "json" };
        if (values.Keys.Any(k => !known.Contains(k, StringComparer.OrdinalIgnoreCase)))
        {
            return null;
        }

        try
        {
            int Int(string key, int fallback) => values.TryGetValue(key, out var v) ? Positive(int.Parse(v, CultureInfo.InvariantCulture)) : fallback;
            double Seconds(string key, double fallback) => values.TryGetValue(key, out var v) ? Positive(double.Parse(v, CultureInfo.InvariantCulture)) : fallback;
            // --quick: a run of seconds that still prints every figure (rough ones); an option given as well wins.
            return new EngineBenchmarkArgs(
                Int("orders", quick ? 400 : 20_000),
                Int("refund-orders", quick ? 400 : 10_000),
                Int("rate", 200),
                Seconds("pickup-seconds", quick ? 2 : 10),
                Seconds("baseline-seconds", quick ? 0.5 : 3),
                Int("dispatch-batch", 1000),
                Int("tracking-batch", 2000),
                Int("max-concurrency", 32),
                Int("concurrency", 32),
                Int("lifecycle-orders", quick ? 200 : 5000),
                Seconds("rss-seconds", quick ? 4 : 20),
                values.TryGetValue("pickup-only", out var only) && only is "1" or "true",
                values.TryGetValue("provider-latency-ms", out var latency) ? int.Parse(latency, CultureInfo.InvariantCulture) : 0,
                values.GetValueOrDefault("json"),
                Int("reference-windows", quick ? 1 : 3),
                Seconds("window-seconds", quick ? 2 : 5),
                quick);
        }
        catch (FormatException)
        {
            return null;
        }
        catch (ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    private static T Positive<T>(T value)
        where T : System.Numerics.INumber<T> =>
        value > T.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value));
}
