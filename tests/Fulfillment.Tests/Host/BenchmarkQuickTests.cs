using System.Text.Json;
using System.Text.RegularExpressions;

namespace Fulfillment.Tests.Host;

/// <summary>
/// Every verb of the benchmarks binary (tests/Fulfillment.Benchmarks, its own process) with <c>--quick --json PATH</c>: a run of
/// seconds whose JSON has the verb's every fixed figure name, as docs/benchmarks.md lists them under "Figure names" (the one
/// list of them: a name added there is checked here).
/// </summary>
public sealed partial class BenchmarkQuickTests
{
    private static readonly string[] Verbs = ["simulator", "purge", "scale", "growth", "engine"];

    [Fact]
    public async Task Each_verb_run_quick_writes_every_figure_name_the_docs_list_for_it()
    {
        var names = DocumentedNames();
        Assert.Equal(Verbs.Order(), names.Keys.Order());
        var dll = Path.Combine(Repository.Root, "tests", "Fulfillment.Benchmarks", "bin", EngineProcess.BuildConfiguration, "net10.0", "Fulfillment.Benchmarks.dll");
        Assert.True(File.Exists(dll), $"the benchmarks are not built: {dll}");
        var folder = Directory.CreateTempSubdirectory("fulfillment-bench-quick-");
        try
        {
            // Side by side: each verb has its own database or cluster, and the run stays within a couple of minutes.
            var runs = await Task.WhenAll(Verbs.Select(async verb =>
            {
                var json = Path.Combine(folder.FullName, verb + ".json");
                using var process = EngineProcess.StartCommand("dotnet", dll, verb, "--quick", "--json", json);
                var exit = await process.WaitForExitAsync(TimeSpan.FromMinutes(4));
                return (Verb: verb, Exit: exit, Json: json, process.Output);
            }));

            foreach (var run in runs)
            {
                Assert.True(run.Exit == 0 && File.Exists(run.Json), $"{run.Verb} exited with {run.Exit}:\n{run.Output}");
                using var document = JsonDocument.Parse(File.ReadAllText(run.Json));
                var root = document.RootElement;
                foreach (var property in new[] { "figures", "baselines", "results" })
                {
                    Assert.True(root.TryGetProperty(property, out _), $"{run.Verb}: no {property} in its JSON");
                }

                var figures = root.GetProperty("figures").EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
                var details = root.TryGetProperty("details", out var d) && d.ValueKind == JsonValueKind.Object
                    ? d.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal)
                    : [];
                var (required, detailNames) = names[run.Verb];
                Assert.True(required.All(figures.Contains), $"{run.Verb}: figures missing: {string.Join(", ", required.Where(n => !figures.Contains(n)))}");
                Assert.True(detailNames.All(n => figures.Contains(n) || details.Contains(n)),
                    $"{run.Verb}: details missing: {string.Join(", ", detailNames.Where(n => !figures.Contains(n) && !details.Contains(n)))}");
            }
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>The "Figure names" table of docs/benchmarks.md: per verb, its figures, and the details named after "with the details".</summary>
    private static Dictionary<string, (string[] Figures, string[] Details)> DocumentedNames()
    {
        var text = File.ReadAllText(Path.Combine(Repository.Root, "docs", "benchmarks.md"));
        var section = text[text.IndexOf("## Figure names", StringComparison.Ordinal)..];
        var names = new Dictionary<string, (string[], string[])>(StringComparer.Ordinal);
        foreach (Match row in Row().Matches(section))
        {
            var cell = row.Groups[2].Value;
            var split = cell.IndexOf("with the details", StringComparison.Ordinal);
            string[] Names(string part) => [.. Name().Matches(part).Select(m => m.Groups[1].Value)];
            names[row.Groups[1].Value] = split < 0 ? (Names(cell), []) : (Names(cell[..split]), Names(cell[split..]));
        }

        return names;
    }

    [GeneratedRegex(@"^\| `([a-z]+)` \| (.+) \|$", RegexOptions.Multiline)]
    private static partial Regex Row();

    [GeneratedRegex("`([a-z0-9_]+)`")]
    private static partial Regex Name();
}
