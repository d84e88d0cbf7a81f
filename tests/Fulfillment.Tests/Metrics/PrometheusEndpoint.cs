using System.Net;
using System.Net.Sockets;
using Fulfillment.Engine.Telemetry;
using Fulfillment.Providers.Transport;
using Fulfillment.Worker.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Fulfillment.Tests.Metrics;

/// <summary>The engine's metrics as Prometheus scrapes them: a host with the Prometheus exporter on a loopback port.</summary>
internal static class PrometheusEndpoint
{
    /// <summary>What a Prometheus server asks for (OpenMetrics first), so the names are the ones it stores.</summary>
    private const string PrometheusAccept =
        "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

    public static HostApplicationBuilder Builder(params string[] settings)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = settings, DisableDefaults = true });
        builder.Services.AddMetrics();
        builder.Services.AddSingleton<EngineMetrics>();
        builder.Services.AddSingleton<ProviderMetrics>();
        return builder.AddEngineMetrics();
    }

    /// <summary>Starts a host exporting to a scrape endpoint, lets <paramref name="record"/> measure, and returns one scrape.</summary>
    public static async Task<string> ScrapeAsync(Action<IServiceProvider> record)
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
                record(host.Services);
                using var http = new HttpClient();
                using var request = new HttpRequestMessage(HttpMethod.Get, url);
                request.Headers.Accept.ParseAdd(PrometheusAccept);
                using var response = await http.SendAsync(request);
                response.EnsureSuccessStatusCode();
                return await response.Content.ReadAsStringAsync();
            }
            finally
            {
                await host.StopAsync();
            }
        }
    }

    /// <summary>
    /// The series names of a scrape, each with its label names as Prometheus stores them: with honor_labels off (the
    /// default) a scraped <c>job</c> or <c>instance</c> becomes <c>exported_job</c> or <c>exported_instance</c>, and
    /// every series gets the target's <c>job</c> and <c>instance</c>. OpenMetrics <c>_created</c> lines are left out:
    /// Prometheus reads them as creation times, not as series.
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlySet<string>> StoredSeries(string scrape)
    {
        var series = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var line in scrape.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')))
        {
            var nameEnd = line.IndexOfAny(['{', ' ']);
            var name = line[..nameEnd];
            if (name.EndsWith("_created", StringComparison.Ordinal))
            {
                continue;
            }

            var labels = series.TryGetValue(name, out var known) ? known : series[name] = new HashSet<string>(StringComparer.Ordinal) { "job", "instance" };
            if (line[nameEnd] == '{')
            {
                labels.UnionWith(LabelNames(line, nameEnd).Select(l => l is "job" or "instance" ? "exported_" + l : l));
            }
        }

        return series.ToDictionary(kv => kv.Key, kv => (IReadOnlySet<string>)kv.Value, StringComparer.Ordinal);
    }

    /// <summary>The label names of a sample line from the <c>{</c> at <paramref name="open"/>: name="value" pairs, values escaped.</summary>
    private static IEnumerable<string> LabelNames(string line, int open)
    {
        for (var i = open + 1; i < line.Length && line[i] != '}';)
        {
            var equals = line.IndexOf('=', i);
            yield return line[i..equals].Trim();
            i = equals + 2; // past ="
            while (line[i] != '"')
            {
                i += line[i] == '\\' ? 2 : 1;
            }

            i++;
            i += i < line.Length && line[i] == ',' ? 1 : 0;
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
