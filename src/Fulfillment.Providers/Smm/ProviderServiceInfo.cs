namespace Fulfillment.Providers.Smm;

/// <summary>One entry of the provider's <c>services</c> list. <see cref="Rate"/> is the price per 1000.</summary>
public sealed record ProviderServiceInfo(
    string ServiceId,
    string Name,
    string? Type,
    string? Category,
    decimal? Rate,
    long? Min,
    long? Max,
    bool Refill,
    bool Cancel,
    bool Dripfeed);
