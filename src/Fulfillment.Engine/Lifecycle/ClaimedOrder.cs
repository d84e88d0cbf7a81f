using Fulfillment.Engine.Providers;

namespace Fulfillment.Engine.Lifecycle;

/// <summary>A pending order claimed for dispatch, with what the checks need from its user, service and provider.</summary>
/// <param name="CancelRequested">A cancel is pending for it, or (for a drip-feed run) for its parent.</param>
/// <param name="DripfeedMode">services.dripfeed_mode.</param>
/// <param name="ProviderOffersDripfeed">The provider's stored service list says its service offers drip-feed.</param>
/// <param name="EmulatedRuns">Set on an emulated drip-feed that has started before (released from review): it resumes.</param>
public sealed record ClaimedOrder(
    long Id,
    long UserId,
    string UserStatus,
    string Link,
    int Quantity,
    string ParamsJson,
    DateTimeOffset CreatedAt,
    int Attempts,
    long ServiceId,
    string ServiceName,
    string ServiceType,
    bool ServiceEnabled,
    string? ProviderServiceId,
    int Min,
    int Max,
    bool Dripfeed,
    ProviderRow? Provider,
    bool CancelRequested = false,
    string DripfeedMode = Data.Entities.DripFeedMode.Auto,
    bool ProviderOffersDripfeed = false,
    int? EmulatedRuns = null);
