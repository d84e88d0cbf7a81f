namespace Fulfillment.Engine.Telemetry;

/// <summary><c>Fulfillment:Metrics</c>: whether and where the engine's metrics are exported. Off by default.</summary>
public sealed class MetricsOptions
{
    public const string Section = "Fulfillment:Metrics";

    public const string None = "none";
    public const string Otlp = "otlp";
    public const string Prometheus = "prometheus";

    public static readonly IReadOnlyList<string> Exporters = [None, Otlp, Prometheus];

    /// <summary><c>none</c> (the instruments still exist, nothing exports them), <c>otlp</c> or <c>prometheus</c>.</summary>
    public string Exporter { get; set; } = None;

    /// <summary>The OTLP collector (gRPC), used when <see cref="Exporter"/> is <c>otlp</c>.</summary>
    public Uri OtlpEndpoint { get; set; } = new("http://localhost:4317");

    /// <summary>Where the Prometheus scrape endpoint listens, used when <see cref="Exporter"/> is <c>prometheus</c>.</summary>
    public Uri PrometheusUrl { get; set; } = new("http://127.0.0.1:9464/metrics/");
}
