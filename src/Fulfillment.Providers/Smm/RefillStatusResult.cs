namespace Fulfillment.Providers.Smm;

/// <param name="Error">A per-refill error such as "Refill not found"; then <see cref="State"/> is Unknown.</param>
public sealed record RefillStatusResult(ProviderOrderState State, string? RawStatus, string? Error = null);
