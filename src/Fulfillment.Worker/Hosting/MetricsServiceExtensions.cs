using Fulfillment.Engine.Telemetry;
using Fulfillment.Providers.Transport;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Fulfillment.Worker.Hosting;

public static class MetricsServiceExtensions
{
    /// <summary>
    /// Exports the <c>Fulfillment</c> and <c>Fulfillment.Providers</c> meters through OpenTelemetry
    /// (OTLP or a Prometheus scrape endpoint) when <c>Fulfillment:Metrics:Exporter</c> says so; with
    /// <c>none</c> (the default) no MeterProvider is added and the instruments cost next to nothing.
    /// </summary>
    public static HostApplicationBuilder AddEngineMetrics(this HostApplicationBuilder builder)
    {
        var options = new MetricsOptions();
        builder.Configuration.GetSection(MetricsOptions.Section).Bind(options);
        var exporter = options.Exporter.Trim().ToUpperInvariant();
        if (exporter is not ("OTLP" or "PROMETHEUS"))
        {
            return builder;
        }

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("fulfillment"))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(EngineMetrics.MeterName, ProviderMetrics.MeterName);
                if (exporter == "OTLP")
                {
                    metrics.AddOtlpExporter(o => o.Endpoint = options.OtlpEndpoint);
                }
                else
                {
                    var url = options.PrometheusUrl;
                    metrics.AddPrometheusHttpListener(o =>
                    {
                        o.Host = url.Host;
                        o.Port = url.Port;
                        o.ScrapeEndpointPath = url.AbsolutePath;
                    });
                }
            });
        return builder;
    }
}
