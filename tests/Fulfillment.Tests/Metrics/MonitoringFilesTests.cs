using System.Diagnostics.Metrics;
using System.Text.RegularExpressions;
using Fulfillment.Data.Entities;
using Fulfillment.Engine.Jobs;
using Fulfillment.Engine.Telemetry;
using Fulfillment.Providers;
using Fulfillment.Providers.Transport;
using Fulfillment.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Fulfillment.Tests.Metrics;

/// <summary>
/// The Grafana dashboards (deploy/grafana) and the Prometheus rules (deploy/prometheus/alerts.yaml) read only what the
/// engine exports: every metric an expression names is a series of the real scrape endpoint once each instrument has
/// measured once (or <c>up</c>, or a rule's own recorded series), with the labels its matchers name. And every kind of
/// operator alert has its alerting rule.
/// </summary>
public sealed partial class MonitoringFilesTests
{
    [Fact]
    public async Task Every_metric_the_dashboards_and_the_alerting_rules_read_is_one_the_engine_exports()
    {
        var exported = await ExportedSeriesAsync();
        var problems = new List<string>();

        var dashboards = MonitoringFiles.Dashboards();
        Assert.NotEmpty(dashboards);
        foreach (var dashboard in dashboards)
        {
            var expressions = MonitoringFiles.DashboardExpressions(dashboard);
            Assert.True(expressions.Count >= 10, $"{dashboard}: only {expressions.Count} expressions found");
            problems.AddRange(expressions.SelectMany(e => Check(dashboard, e, exported, recorded: new HashSet<string>(StringComparer.Ordinal))));
        }

        var rules = MonitoringFiles.Rules(MonitoringFiles.RulesFile);
        Assert.True(rules.Count >= 10, $"only {rules.Count} rules read from {MonitoringFiles.RulesFile}");
        var recorded = rules.Where(r => r.Kind == "record").Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        problems.AddRange(rules.SelectMany(r => Check(MonitoringFiles.RulesFile, r.Expr, exported, recorded)));

        Assert.True(problems.Count == 0,
            string.Join('\n', problems) + "\nthe engine exports: " + string.Join(", ", exported.Keys.Order(StringComparer.Ordinal)));
    }

    [Fact]
    public void Every_kind_of_operator_alert_has_one_alerting_rule_with_a_summary_and_a_runbook()
    {
        var rules = MonitoringFiles.Rules(MonitoringFiles.RulesFile);
        Assert.All(rules, r => Assert.False(string.IsNullOrWhiteSpace(r.Expr), $"{r.Name} has no expression"));
        var alerts = rules.Where(r => r.Kind == "alert").ToList();

        var kinds = alerts.SelectMany(a => KindMatcher().Matches(a.Expr).Select(m => m.Groups["kind"].Value)).Order(StringComparer.Ordinal);
        Assert.Equal(AlertKind.All.Order(StringComparer.Ordinal), kinds);

        Assert.Equal(alerts.Count, alerts.Select(a => a.Name).Distinct(StringComparer.Ordinal).Count());
        foreach (var alert in alerts)
        {
            Assert.False(string.IsNullOrWhiteSpace(alert.Fields.GetValueOrDefault("summary")), $"{alert.Name} has no summary");
            Assert.StartsWith("docs/operations.md#", alert.Fields.GetValueOrDefault("runbook_url", ""), StringComparison.Ordinal);
            Assert.Contains(alert.Fields.GetValueOrDefault("severity", ""), (string[])["warning", "critical"]);
        }
    }

    [Theory]
    [InlineData("sum by (kind) (rate(a_total{job=\"$job\", x=~\"y|z\"}[$__rate_interval])) / on (instance) group_left b", "a_total{job,x} b")]
    [InlineData("histogram_quantile(0.95, sum by (le) (rate(h_bucket[5m]))) > 0.5 and c offset 10m", "h_bucket c")]
    [InlineData("absent(up{job=\"f\"} == 1) and on () count(up == 1) > 0", "up{job} up")]
    [InlineData("label_replace(m, \"dst\", \"$1\", \"src\", \"(.*)\") # not_a_metric", "m")]
    [InlineData("x:recorded:rule{kind=\"a\"} > bool 0 unless ignoring(kind) max without (kind) (y) * 1e3", "x:recorded:rule{kind} y")]
    [InlineData("{__name__=\"n\"}", "{__name__}")]
    public void The_expression_reader_finds_each_metric_and_the_labels_its_matchers_name(string expression, string expected)
    {
        var found = PromQl.Selectors(expression).Select(s => s.Labels.Count == 0 ? s.Metric : $"{s.Metric}{{{string.Join(',', s.Labels)}}}");
        Assert.Equal(expected, string.Join(' ', found));
    }

    private static IEnumerable<string> Check(string file, string expression, IReadOnlyDictionary<string, IReadOnlySet<string>> exported,
        HashSet<string> recorded)
    {
        var where = $"{Path.GetRelativePath(Repository.Root, file)}: `{expression.ReplaceLineEndings(" ")}`";
        foreach (var selector in PromQl.Selectors(expression))
        {
            if (selector.Metric.Length == 0)
            {
                yield return $"{where}: a selector without a metric name";
            }
            else if (exported.TryGetValue(selector.Metric, out var labels))
            {
                foreach (var label in selector.Labels.Where(l => !labels.Contains(l)))
                {
                    yield return $"{where}: {selector.Metric} has no label {label} (it has {string.Join(", ", labels.Order(StringComparer.Ordinal))})";
                }
            }
            else if (!recorded.Contains(selector.Metric))
            {
                yield return $"{where}: {selector.Metric} is not a metric the engine exports";
            }
        }
    }

    /// <summary>
    /// The series Prometheus stores from the engine's scrape endpoint, with <c>up</c>: each instrument of the engine's two meters
    /// measures once (the test fails, naming it, for an instrument that did not), then the real exporter renders them.
    /// </summary>
    private static async Task<IReadOnlyDictionary<string, IReadOnlySet<string>>> ExportedSeriesAsync()
    {
        var instruments = new HashSet<string>(StringComparer.Ordinal);
        var scrape = await PrometheusEndpoint.ScrapeAsync(services =>
        {
            var engine = services.GetRequiredService<EngineMetrics>();
            engine.Dispatched("p", "accepted");
            engine.Finished([OrderStatus.Failed]);
            engine.JobRan(JobNames.WatchHealth, TimeSpan.FromSeconds(1), succeeded: false);
            engine.SetQueueDepths(new Dictionary<string, long>());
            engine.SetOpenAlerts(AlertKind.All.ToDictionary(k => k, _ => 0L));
            services.GetRequiredService<ProviderMetrics>().CallEnded(new ProviderEndpoint(1, "p", new Uri("https://p.example/api/v2"), "key"), "add",
                new ExchangeResult.Lost("timeout", TimeSpan.FromSeconds(1)));

            using var listener = new MeterListener();
            listener.InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name is EngineMetrics.MeterName or ProviderMetrics.MeterName)
                {
                    instruments.Add(instrument.Name);
                }
            };
            listener.Start();
        });

        var series = PrometheusEndpoint.StoredSeries(scrape).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        Assert.True(instruments.Count >= 7, $"only {instruments.Count} instruments found: {string.Join(", ", instruments)}");
        foreach (var instrument in instruments)
        {
            Assert.True(series.Keys.Any(n => n.StartsWith(instrument.Replace('.', '_'), StringComparison.Ordinal)),
                $"the instrument {instrument} has no series in the scrape: make it measure once in {nameof(ExportedSeriesAsync)}\n{scrape}");
        }

        series["up"] = new HashSet<string>(["job", "instance"], StringComparer.Ordinal);
        return series;
    }

    [GeneratedRegex("""\bkind\s*=\s*"(?<kind>[^"]*)"(?=[^{}]*\})""")]
    private static partial Regex KindMatcher();
}
