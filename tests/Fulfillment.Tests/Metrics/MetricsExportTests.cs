using Fulfillment.Engine.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;

namespace Fulfillment.Tests.Metrics;

[Trait("Lane", "Fast")]
public sealed class MetricsExportTests
{
    [Fact]
    public void With_the_default_exporter_no_meter_provider_is_added()
    {
        using var host = PrometheusEndpoint.Builder().Build();
        Assert.Null(host.Services.GetService<MeterProvider>());
    }

    [Fact]
    public async Task The_prometheus_exporter_serves_the_engine_counters()
    {
        var text = await PrometheusEndpoint.ScrapeAsync(services => services.GetRequiredService<EngineMetrics>().Finished(["failed"]));

        Assert.Contains("fulfillment_orders_finished", text, StringComparison.Ordinal);
        Assert.Contains("status=\"failed\"", text, StringComparison.Ordinal);
    }
}
