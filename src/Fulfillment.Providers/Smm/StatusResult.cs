namespace Fulfillment.Providers.Smm;

/// <summary>
/// One order's status as the provider reported it. Numbers are as sent: <see cref="Remains"/> may be
/// negative (over-delivery) or larger than the quantity; clamping is the engine's decision.
/// </summary>
/// <param name="RawStatus">The provider's spelling, verbatim, for logs and for spotting new spellings.</param>
/// <param name="Error">A per-order error in the provider's words ("Incorrect order ID"); then <see cref="State"/> is Unknown.</param>
/// <param name="Posts">A subscription's posts served so far (<c>posts</c>), as sent.</param>
/// <param name="ChildOrders">The ids of a subscription's child orders (<c>orders</c>): only usable ids
/// (<see cref="ProviderText.IdProblem"/>), each once, at most <see cref="MaxChildOrders"/>; null when the answer has none.</param>
/// <param name="OrderUnknown">The provider says it does not know this order (<see cref="SmmErrorClassifier.IsUnknownOrder"/>);
/// <see cref="Error"/> keeps its words. Not set for an id merely missing from a multi-status answer.</param>
public sealed record StatusResult(
    ProviderOrderState State,
    string? RawStatus,
    long? StartCount,
    long? Remains,
    decimal? Charge,
    string? Currency,
    string? Error = null,
    long? Posts = null,
    IReadOnlyList<string>? ChildOrders = null,
    bool OrderUnknown = false)
{
    /// <summary>The most child order ids read from one answer (a subscription has at most 1000 posts).</summary>
    public const int MaxChildOrders = 1000;

    /// <summary>
    /// Whether the provider has not started the order yet (Pending). Panel scripts send <c>"remains": "0"</c> for such an
    /// order (the column's default), which is not "nothing left to deliver".
    /// </summary>
    public bool NotStarted => State == ProviderOrderState.Pending;

    /// <summary><see cref="Remains"/> when it is a delivery figure; null for an order that has not started (<see cref="NotStarted"/>).</summary>
    public long? DeliveryRemains => NotStarted ? null : Remains;

    /// <summary>A per-order error in the provider's words; <see cref="OrderUnknown"/> when those words say it has no such order.</summary>
    public static StatusResult ForError(string error) =>
        new(ProviderOrderState.Unknown, null, null, null, null, null, error, OrderUnknown: SmmErrorClassifier.IsUnknownOrder(error));

    /// <summary>An id the multi-status answer left out: nothing is known, and the provider did not say it has no such order.</summary>
    public static StatusResult Missing() => new(ProviderOrderState.Unknown, null, null, null, null, null, "Not in the provider's answer");
}
