using Fulfillment.Engine.Providers;

namespace Fulfillment.Engine.Lifecycle;

/// <summary>A pending order claimed for dispatch, with what the checks need from its user, service and provider.</summary>
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
    bool CancelRequested = false);
