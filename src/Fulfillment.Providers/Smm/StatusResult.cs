namespace Fulfillment.Providers.Smm;

/// <summary>
/// One order's status as the provider reported it. Numbers are as sent: <see cref="Remains"/> may be
/// negative (over-delivery) or larger than the quantity; clamping is the engine's decision.
/// </summary>
/// <param name="RawStatus">The provider's spelling, verbatim, for logs and for spotting new spellings.</param>
/// <param name="Error">A per-order error such as "Incorrect order ID"; then <see cref="State"/> is Unknown.</param>
/// <param name="Posts">A subscription's posts served so far (<c>posts</c>), as sent.</param>
/// <param name="ChildOrders">The ids of a subscription's child orders (<c>orders</c>): only usable ids
/// (<see cref="ProviderText.IdProblem"/>), each once, at most <see cref="MaxChildOrders"/>; null when the answer has none.</param>
public sealed record StatusResult(
    ProviderOrderState State,
    string? RawStatus,
    long? StartCount,
    long? Remains,
    decimal? Charge,
    string? Currency,
    string? Error = null,
    long? Posts = null,
    IReadOnlyList<string>? ChildOrders = null)
{
    /// <summary>The most child order ids read from one answer (a subscription has at most 1000 posts).</summary>
    public const int MaxChildOrders = 1000;

    public static StatusResult ForError(string error) => new(ProviderOrderState.Unknown, null, null, null, null, null, error);
}
