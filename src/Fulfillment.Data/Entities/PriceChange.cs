namespace Fulfillment.Data.Entities;

/// <summary>
/// <c>price_changes</c>: one row per change of an upstream rate that a panel service routes to, read from the stored service lists, with
/// what it did (or would do) to the service's sale rate.
/// </summary>
public sealed class PriceChange
{
    public long Id { get; set; }
    public long ServiceId { get; set; }
    public long? ProviderId { get; set; }
    public string? ProviderServiceId { get; set; }
    public decimal? OldUpstreamRate { get; set; }
    public decimal? NewUpstreamRate { get; set; }
    public decimal? OldRate { get; set; }
    public decimal? NewRate { get; set; }
    public string Status { get; set; } = PriceChangeStatus.Observed;
    public DateTimeOffset SeenAt { get; set; }
    public DateTimeOffset? DecidedAt { get; set; }
}

/// <summary><c>service_stats</c>: how long a service's orders take, from its latest finished orders (completed or partial).</summary>
public sealed class ServiceStat
{
    public long ServiceId { get; set; }
    public int OrdersCounted { get; set; }
    public decimal? AvgSeconds { get; set; }
    public decimal? P90Seconds { get; set; }
    public decimal? AvgSecondsPer1000 { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Engine-internal: the latest finish counted; a service with none later is not computed again.</summary>
    public DateTimeOffset? LastFinishedAt { get; set; }
}
