namespace Fulfillment.Engine.Pricing;

/// <summary><c>Fulfillment:Stats</c>: how a service's average time is computed (service_stats).</summary>
public sealed class StatsOptions
{
    public const string Section = "Fulfillment:Stats";

    /// <summary>A service's time is computed over its latest this many orders finished completed or partial.</summary>
    public int OrdersCounted { get; set; } = 10;
}

/// <summary><c>Fulfillment:Pricing</c>: how a service with a markup is priced from its routes' upstream rates.</summary>
public sealed class PricingOptions
{
    public const string Section = "Fulfillment:Pricing";

    /// <summary>A computed sale rate is rounded up to a multiple of this.</summary>
    public decimal RateStep { get; set; } = 0.0001m;

    /// <summary>A move of the sale rate larger than this (up or down, in percent) is held for a person (decide_price_change).</summary>
    public decimal HoldAbovePercent { get; set; } = 20m;
}
