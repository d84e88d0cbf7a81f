namespace Fulfillment.Providers.Smm;

/// <summary>One entry of the provider's <c>services</c> list. <see cref="Rate"/> is the price per 1000.</summary>
/// <param name="Refill">Whether the service refills; null when the list does not say (many panel scripts send no such field).</param>
/// <param name="Cancel">Whether orders of the service can be canceled; null when the list does not say.</param>
/// <param name="Dripfeed">Whether the service takes drip-feed (<c>runs</c>, <c>interval</c>); null when the list does not say.</param>
public sealed record ProviderServiceInfo(
    string ServiceId,
    string Name,
    string? Type,
    string? Category,
    decimal? Rate,
    long? Min,
    long? Max,
    bool? Refill,
    bool? Cancel,
    bool? Dripfeed);
