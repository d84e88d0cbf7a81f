using System.Net;
using System.Net.Sockets;
using Fulfillment.Engine.Lifecycle;
using Fulfillment.Engine.Telemetry;
using Fulfillment.Worker.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;

namespace Fulfillment.Tests.Metrics;

[Trait("Lane", "Fast")]
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
        // The exporter's HttpListener cannot bind port 0 and say which port it got, so a port is picked and, should
        // another process take it first, the start fails on it and another is tried: the race cannot fail the test.
        for (var attempt = 1; ; attempt++)
        {
            var url = new Uri($"http://127.0.0.1:{Random.Shared.Next(20_000, 60_000)}/metrics/");
            using var host = Builder("--Fulfillment:Metrics:Exporter=prometheus", $"--Fulfillment:Metrics:PrometheusUrl={url}").Build();
            try
            {
                await host.StartAsync();
            }
            catch (Exception ex) when (attempt < 10 && AddressInUse(ex))
            {
                continue;
            }

            try
            {
                host.Services.GetRequiredService<EngineMetrics>().Finished(["failed"]);

                using var http = new HttpClient();
                var text = await http.GetStringAsync(url);

                Assert.Contains("fulfillment_orders_finished", text, StringComparison.Ordinal);
                Assert.Contains("status=\"failed\"", text, StringComparison.Ordinal);
                return;
            }
            finally
            {
                await host.StopAsync();
            }
        }
    }

    private static bool AddressInUse(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            // "HttpListenerException (98): Address already in use" inside the exporter's InvalidOperationException.
            if (ex is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse }
                || (ex is HttpListenerException && ex.Message.Contains("in use", StringComparison.OrdinalIgnoreCase)))
            {
                return true;
            }
        }

        return false;
    }
}
