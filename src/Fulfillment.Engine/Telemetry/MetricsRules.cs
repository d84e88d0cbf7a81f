using Fulfillment.Engine.Configuration;
using Microsoft.Extensions.Configuration;

namespace Fulfillment.Engine.Telemetry;

/// <summary>The configuration rule of <c>Fulfillment:Metrics</c>, one entry of <see cref="ConfigurationRules.All"/>.</summary>
public static class MetricsRules
{
    public static IEnumerable<ConfigProblem> Check(IConfiguration configuration)
    {
        var problems = new List<ConfigProblem>();
        var options = SectionBinder.Bind<MetricsOptions>(configuration, MetricsOptions.Section, problems);
        if (options is null)
        {
            return problems;
        }

        if (!MetricsOptions.Exporters.Contains(options.Exporter, StringComparer.OrdinalIgnoreCase))
        {
            problems.Add(new(Key(nameof(MetricsOptions.Exporter)),
                $"must be one of {string.Join(", ", MetricsOptions.Exporters)}, not '{options.Exporter}'"));
        }

        if (!IsHttp(options.OtlpEndpoint))
        {
            problems.Add(new(Key(nameof(MetricsOptions.OtlpEndpoint)), $"must be an absolute http or https address, not '{options.OtlpEndpoint}'"));
        }

        if (!IsHttp(options.PrometheusUrl) || options.PrometheusUrl.Scheme != Uri.UriSchemeHttp)
        {
            problems.Add(new(Key(nameof(MetricsOptions.PrometheusUrl)),
                $"must be an absolute http address (host, port and path the scrape endpoint listens on), not '{options.PrometheusUrl}'"));
        }

        return problems;
    }

    private static bool IsHttp(Uri? uri) =>
        uri is { IsAbsoluteUri: true } && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    private static string Key(string name) => $"{MetricsOptions.Section}:{name}";
}
