using System.Globalization;
using System.Text.Json;

namespace Fulfillment.Benchmarks.Shared;

/// <summary>One figure: its value, its goal, the same-run baseline it is compared with, and the ratio.</summary>
public sealed record VerbFigure(string Figure, double Value, string Unit, string Target, bool? TargetMet, string Baseline, double BaselineValue, double Ratio);

/// <summary>
/// The figures of a verb other than <c>engine</c>, printed as a table and written in the <c>engine</c> verb's JSON shape:
/// <c>figures</c> (name to value), <c>baselines</c>, <c>results</c> (each with its <c>ratio</c>), settings, details, environment.
/// </summary>
public sealed class VerbReport(string benchmark)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public List<VerbFigure> Figures { get; } = [];

    public Dictionary<string, object?> Baselines { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, object> Settings { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, object> Details { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, object> Environment { get; } = new(StringComparer.Ordinal);

    public List<string> Notes { get; } = [];

    /// <summary>Adds a figure; the ratio is value over baseline unless given.</summary>
    public void Add(string name, double value, string unit, string target, bool? met, string baseline, double baselineValue, double? ratio = null) =>
        Figures.Add(new VerbFigure(name, Math.Round(value, 3), unit, target, double.IsFinite(value) ? met : null, baseline, Math.Round(baselineValue, 3),
            Math.Round(ratio ?? (baselineValue != 0 ? value / baselineValue : double.NaN), 3)));

    public void Print()
    {
        Console.WriteLine();
        Console.WriteLine($"load average before {Environment.GetValueOrDefault("load_average_before")}, after {Environment.GetValueOrDefault("load_average_after")}");
        Console.WriteLine($"environment: {string.Join(", ", Environment.Select(kv => $"{kv.Key}={kv.Value}"))}");
        Console.WriteLine($"settings: {string.Join(", ", Settings.Select(kv => $"{kv.Key}={kv.Value}"))}");
        Console.WriteLine();
        Console.WriteLine("| figure | value | target | met | baseline | baseline value | ratio |");
        Console.WriteLine("|---|---:|---|---|---|---:|---:|");
        foreach (var f in Figures)
        {
            var met = f.TargetMet switch { true => "yes", false => "NO", null => "-" };
            Console.WriteLine($"| {f.Figure} | {Format(f.Value)} {f.Unit} | {f.Target} | {met} | {f.Baseline} | {Format(f.BaselineValue)} | {Format(f.Ratio)} |");
        }

        Console.WriteLine();
        foreach (var (key, value) in Details)
        {
            Console.WriteLine($"  {key} = {value}");
        }

        foreach (var note in Notes)
        {
            Console.WriteLine(note);
        }
    }

    public async Task WriteJsonAsync(string path)
    {
        var document = new
        {
            benchmark,
            figures = Figures.ToDictionary(f => f.Figure, f => Json(f.Value)),
            baselines = Baselines,
            results = Results(Figures),
            settings = Settings,
            details = Details,
            environment = Environment,
            notes = Notes,
        };
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(document, Indented));
        Console.WriteLine($"figures written to {path}");
    }

    /// <summary>The <c>results</c> array every verb's JSON carries (tooling outside the repository reads it).</summary>
    public static IEnumerable<object> Results(IEnumerable<VerbFigure> figures) => figures.Select(f => new
    {
        figure = f.Figure,
        value = Json(f.Value),
        unit = f.Unit,
        target = f.Target,
        target_met = f.TargetMet,
        baseline = f.Baseline,
        baseline_value = Json(f.BaselineValue),
        ratio = Json(f.Ratio),
    });

    public static double? Json(double value) => double.IsNaN(value) || double.IsInfinity(value) ? null : value;

    private static string Format(double value) => double.IsNaN(value) ? "n/a" : value.ToString("0.###", CultureInfo.InvariantCulture);
}

/// <summary><c>--name value</c> pairs, and the <c>--quick</c> flag (no value, any verb); null when an argument is unknown or has no value.</summary>
public static class VerbArgs
{
    public const string Quick = "quick";

    public static Dictionary<string, string>? Parse(IReadOnlyList<string> args, params string[] known)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] == "--" + Quick)
            {
                values[Quick] = "true";
                continue;
            }

            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Count || !known.Contains(args[i][2..], StringComparer.OrdinalIgnoreCase))
            {
                return null;
            }

            values[args[i][2..]] = args[++i];
        }

        return values;
    }

    /// <summary>Whether <c>--quick</c> was given: a run of seconds that still prints every figure (rough).</summary>
    public static bool IsQuick(this Dictionary<string, string> values) => values.ContainsKey(Quick);

    public static int Count(this Dictionary<string, string> values, string key, int fallback) =>
        values.TryGetValue(key, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public static double Number(this Dictionary<string, string> values, string key, double fallback) =>
        values.TryGetValue(key, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
