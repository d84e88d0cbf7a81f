namespace Fulfillment.Providers.Smm;

/// <summary>
/// One order's status as the provider reported it. Numbers are as sent: <see cref="Remains"/> may be
/// negative (over-delivery) or larger than the quantity; clamping is the engine's decision.
/// </summary>
/// <param name="RawStatus">The provider's spelling, verbatim, for logs and for spotting new spellings.</param>
/// <param name="Error">A per-order error such as "Incorrect order ID"; then <see cref="State"/> is Unknown.</param>
public sealed record StatusResult(
    ProviderOrderState State,
    string? RawStatus,
    long? StartCount,
    long? Remains,
    decimal? Charge,
    string? Currency,
    string? Error = null)
{
    public static StatusResult ForError(string error) => new(ProviderOrderState.Unknown, null, null, null, null, null, error);
}
