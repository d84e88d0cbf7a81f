using System.Text.Json;
using System.Text.RegularExpressions;
using Fulfillment.Tests.Infrastructure;

namespace Fulfillment.Tests.Metrics;

/// <summary>One rule of a Prometheus rules file: alert or record, its name, its expression, and its other fields (for, labels, annotations).</summary>
internal sealed record Rule(string Kind, string Name, string Expr, IReadOnlyDictionary<string, string> Fields);

/// <summary>The monitoring files the repository ships: Grafana dashboards (deploy/grafana) and Prometheus rules (deploy/prometheus).</summary>
internal static partial class MonitoringFiles
{
    public static string RulesFile { get; } = Path.Combine(Repository.Root, "deploy", "prometheus", "alerts.yaml");

    public static IReadOnlyList<string> Dashboards() =>
        [.. Directory.EnumerateFiles(Path.Combine(Repository.Root, "deploy", "grafana"), "*.json").Order(StringComparer.Ordinal)];

    /// <summary>Every PromQL expression of a dashboard: each <c>expr</c>, and the metric of each <c>label_values(metric, label)</c> variable.</summary>
    public static IReadOnlyList<string> DashboardExpressions(string file)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(file));
        var found = new List<string>();
        Walk(document.RootElement, found);
        return found;

        static void Walk(JsonElement element, List<string> found)
        {
            if (element.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in element.EnumerateArray())
                {
                    Walk(item, found);
                }
            }
            else if (element.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Name == "expr" && property.Value.ValueKind == JsonValueKind.String)
                    {
                        found.Add(property.Value.GetString()!);
                    }
                    else if (property.Name is "query" or "definition" && property.Value.ValueKind == JsonValueKind.String
                             && VariableQuery(property.Value.GetString()!) is { } query)
                    {
                        found.Add(query);
                    }
                    else
                    {
                        Walk(property.Value, found);
                    }
                }
            }
        }
    }

    /// <summary>The PromQL inside a Grafana variable query: label_values(METRIC, label) or query_result(EXPR); null for anything else.</summary>
    private static string? VariableQuery(string query)
    {
        if (LabelValues().Match(query) is { Success: true } labelValues)
        {
            return labelValues.Groups["selector"].Value;
        }

        return QueryResult().Match(query) is { Success: true } result ? result.Groups["expr"].Value : null;
    }

    /// <summary>
    /// The rules of a Prometheus rules file, read line by line as this repository writes them: each rule starts with
    /// "- alert:" or "- record:", its expression inline or as a block scalar (expr: |), its other fields one per line.
    /// </summary>
    public static IReadOnlyList<Rule> Rules(string file)
    {
        var lines = File.ReadAllLines(file);
        var rules = new List<Rule>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (RuleStart().Match(lines[i]) is not { Success: true } start)
            {
                continue;
            }

            var column = start.Groups["key"].Index;
            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            var end = i + 1;
            while (end < lines.Length && !RuleStart().IsMatch(lines[end]) && (Blank(lines[end]) || Indent(lines[end]) >= column))
            {
                var line = lines[end++];
                if (Field().Match(line) is not { Success: true } field)
                {
                    continue;
                }

                var value = field.Groups["value"].Value.Trim();
                if (BlockScalar().IsMatch(value))
                {
                    var block = new List<string>();
                    while (end < lines.Length && (lines[end].Trim().Length == 0 || Indent(lines[end]) > Indent(line)))
                    {
                        block.Add(lines[end++].Trim());
                    }

                    value = string.Join('\n', block).Trim();
                }

                fields[field.Groups["name"].Value] = Unquote(value);
            }

            rules.Add(new Rule(start.Groups["key"].Value, Unquote(start.Groups["name"].Value.Trim()), fields.GetValueOrDefault("expr", ""), fields));
            i = end - 1;
        }

        return rules;
    }

    private static bool Blank(string line) => line.Trim().Length == 0 || line.TrimStart().StartsWith('#');

    private static int Indent(string line) => line.Length - line.TrimStart().Length;

    private static string Unquote(string value) =>
        value.Length >= 2 && (value[0], value[^1]) is ('"', '"') or ('\'', '\'') ? value[1..^1] : value;

    [GeneratedRegex(@"^\s*-\s+(?<key>alert|record):\s*(?<name>.+)$")]
    private static partial Regex RuleStart();

    [GeneratedRegex(@"^\s*(?<name>[A-Za-z_]+):\s*(?<value>.*)$")]
    private static partial Regex Field();

    [GeneratedRegex(@"^[|>][-+]?$")]
    private static partial Regex BlockScalar();

    [GeneratedRegex(@"^\s*label_values\(\s*(?<selector>[^,]+?)\s*,\s*[A-Za-z_][A-Za-z0-9_]*\s*\)\s*$")]
    private static partial Regex LabelValues();

    [GeneratedRegex(@"^\s*query_result\((?<expr>.*)\)\s*$", RegexOptions.Singleline)]
    private static partial Regex QueryResult();
}
