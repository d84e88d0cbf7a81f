namespace Fulfillment.Data.Entities;

/// <summary>One entry of a provider's service list, as last fetched by SyncProviderServices.</summary>
public sealed class ProviderService
{
    public long Id { get; set; }
    public long ProviderId { get; set; }

    /// <summary>The provider's own service id.</summary>
    public required string Service { get; set; }
    public string Name { get; set; } = "";
    public string? Type { get; set; }
    public string? Category { get; set; }
    public decimal? Rate { get; set; }
    public int? Min { get; set; }
    public int? Max { get; set; }

    /// <summary>What the list says of refill, cancel and drip-feed; null where it says nothing (unknown, never "no").</summary>
    public bool? Refill { get; set; }
    public bool? Cancel { get; set; }
    public bool? Dripfeed { get; set; }
    public DateTimeOffset SeenAt { get; set; }
}
