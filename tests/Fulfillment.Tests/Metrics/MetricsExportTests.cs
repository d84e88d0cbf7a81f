using System.Net;
using System.Net.Sockets;
using Fulfillment.Engine.Telemetry;
using Fulfillment.Worker.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using Fulfillment.Engine.Lifecycle;

namespace Fulfillment.Tests.Metrics;

public sealed class MetricsExportTests
{
    private static HostApplicationBuilder Builder(params string[] settings)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = settings, DisableDefaults = true });
        builder.Services.AddMetrics();
        builder.Services.AddSingleton<EngineMetrics>();
        return builder.AddEngineMetrics();
    }

    [Fact]
    public void With_the_default_exporter_no_meter_provider_is_added()
    {
        using var host = Builder().Build();
        Assert.Null(host.Services.GetService<MeterProvider>());
    }

    [Fact]
    public async Task The_prometheus_exporter_serves_the_engine_counters()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var url = new Uri($"http://127.0.0.1:{port}/metrics/");
        using var host = Builder("--Fulfillment:Metrics:Exporter=prometheus", $"--Fulfillment:Metrics:PrometheusUrl={url}").Build();
        await host.StartAsync();
        try
        {
            host.Services.GetRequiredService<EngineMetrics>().Finished(["failed"]);

            using var http = new HttpClient();
            var text = await http.GetStringAsync(url);

            Assert.Contains("fulfillment_orders_finished", text, StringComparison.Ordinal);
            Assert.Contains("status=\"failed\"", text, StringComparison.Ordinal);
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
