using Fulfillment.Engine.Configuration;
using Fulfillment.Engine.Jobs;
using Fulfillment.Worker.Configuration;
using Fulfillment.Worker.Jobs;
using Microsoft.Extensions.Configuration;

namespace Fulfillment.Tests.Metrics;

[Trait("Lane", "Fast")]
public sealed class MetricsConfigurationTests
{
    private static IReadOnlyList<ConfigProblem> Check(params (string Key, string? Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(Repository.Root, "appsettings.json"))
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();
        return ConfigurationCheck.Run(configuration, JobCatalog.Default);
    }

    [Fact]
    public void The_shipped_metrics_settings_are_valid_and_export_nothing()
    {
        Assert.DoesNotContain(Check(), p => p.Key.StartsWith("Fulfillment:Metrics", StringComparison.Ordinal));
        var configuration = new ConfigurationBuilder().AddJsonFile(Path.Combine(Repository.Root, "appsettings.json")).Build();
        Assert.Equal("none", configuration["Fulfillment:Metrics:Exporter"]);
    }

    [Fact]
    public void A_bad_exporter_endpoint_or_setting_is_reported_with_its_key()
    {
        var problems = Check(
            ("Fulfillment:Metrics:Exporter", "bogus"),
            ("Fulfillment:Metrics:OtlpEndpoint", "localhost-4317"),
            ("Fulfillment:Metrics:PrometheusUrl", "https://127.0.0.1:9464/metrics/"),
            ("Fulfillment:Metrics:Exporters", "otlp"));

        var exporter = Assert.Single(problems, p => p.Key == "Fulfillment:Metrics:Exporter");
        Assert.False(exporter.IsWarning);
        Assert.Contains("'bogus'", exporter.Message, StringComparison.Ordinal);
        Assert.Contains("none, otlp, prometheus", exporter.Message, StringComparison.Ordinal);
        Assert.Single(problems, p => p.Key == "Fulfillment:Metrics:OtlpEndpoint");
        Assert.Single(problems, p => p.Key == "Fulfillment:Metrics:PrometheusUrl");
        Assert.Contains("did you mean Exporter", Assert.Single(problems, p => p.Key == "Fulfillment:Metrics:Exporters").Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("otlp")]
    [InlineData("Prometheus")]
    [InlineData("none")]
    public void Each_exporter_is_accepted(string exporter)
    {
        Assert.DoesNotContain(Check(("Fulfillment:Metrics:Exporter", exporter)), p => p.Key.StartsWith("Fulfillment:Metrics", StringComparison.Ordinal));
    }
}
