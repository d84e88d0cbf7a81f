namespace Fulfillment.Data.Entities;

public sealed class Service
{
    public long Id { get; set; }
    public required string Name { get; set; }
    public string Type { get; set; } = ServiceType.Default;
    public long? ProviderId { get; set; }
    public string? ProviderServiceId { get; set; }

    /// <summary>Sale price per 1000; for Package and Activation the price of one order.</summary>
    public decimal? Rate { get; set; }
    public int Min { get; set; } = 1;
    public int Max { get; set; } = 1_000_000;
    public bool Dripfeed { get; set; }

    /// <summary>How a drip-feed of this service is delivered (<see cref="DripFeedMode"/>): <c>auto</c>, <c>native</c> or <c>emulated</c>.</summary>
    public string DripfeedMode { get; set; } = DripFeedMode.Auto;
    public bool Refill { get; set; }
    public bool Cancel { get; set; }
    public bool Enabled { get; set; } = true;

    // Engine-owned: why the engine disabled or flagged this service.
    public string? DisabledReason { get; set; }
    public string? Flag { get; set; }

    /// <summary>The provider's current rate per 1000 for the mapped upstream service.</summary>
    public decimal? UpstreamRate { get; set; }

    /// <summary>
    /// Public: the margin the engine keeps over the cheapest route's upstream rate, in percent; null (the default) means the price is set
    /// by hand and the engine never moves it.
    /// </summary>
    public decimal? MarkupPercent { get; set; }

    /// <summary>Engine-internal: the markup last applied; a different <see cref="MarkupPercent"/> is the operator's new choice, applied without a hold.</summary>
    public decimal? MarkupApplied { get; set; }
}
