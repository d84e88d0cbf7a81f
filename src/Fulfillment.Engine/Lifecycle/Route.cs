namespace Fulfillment.Engine.Lifecycle;

/// <summary>
/// One way to deliver a panel service: a provider and that provider's service id. Route 0 is the service's own
/// <c>services.provider_id</c> and <c>provider_service_id</c>; routes 1, 2, ... are its <c>service_routes</c> rows by
/// position. Read at claim with what judging it needs: the provider row, and the provider's stored service list.
/// </summary>
/// <param name="Enabled">The service_routes row's own switch (route 0 has none: the service's enabled says it).</param>
/// <param name="Listed">Whether the provider's stored list (provider_services) holds this service id; null when no list was stored.</param>
/// <param name="ListedRate">The listed rate per 1000 (per order for one-unit types) in the provider's own currency, if listed.</param>
/// <param name="UpstreamRate">The listed rate in the panel's currency; null when not listed, or when its currency cannot be converted.</param>
/// <param name="UnknownCurrency">The provider's currency when it names one that neither is the panel's nor has a currency_rates row.</param>
/// <param name="OffersDripfeed">The stored list's drip-feed flag for this service id: null when not listed or not stated.</param>
/// <param name="QuarantinedUntil">Set while the route is in quarantine (route_quarantines): skipped for orders not yet sent.</param>
public sealed record Route(int Position, ProviderRow? Provider, string? ProviderServiceId, bool Enabled = true, bool? Listed = null,
    decimal? UpstreamRate = null, decimal? ListedRate = null, string? UnknownCurrency = null, bool? OffersDripfeed = null,
    DateTimeOffset? QuarantinedUntil = null)
{
    /// <summary>How an event names it: position, provider and upstream service.</summary>
    public object Describe() => new { position = Position, provider_id = Provider?.Id, provider = Provider?.Name, provider_service_id = ProviderServiceId };

    public override string ToString() => Position == 0
        ? $"route 0 (the service's own: provider {Provider?.Name ?? "none"}, service {ProviderServiceId ?? "none"})"
        : $"route {Position} (provider {Provider?.Name ?? "none"}, service {ProviderServiceId ?? "none"})";
}
