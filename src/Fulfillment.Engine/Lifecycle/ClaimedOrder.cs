namespace Fulfillment.Engine.Lifecycle;

/// <summary>A pending order claimed for dispatch, with what the checks need from its user, service, routes and attempts.</summary>
/// <param name="Provider">The service's own provider (route 0).</param>
/// <param name="ProviderServiceId">The service's own upstream id (route 0).</param>
/// <param name="Routes">Every route of the service, route 0 first; null means route 0 alone (from <paramref name="Provider"/>).</param>
/// <param name="RoutePosition">The route the order is on (orders.route_position).</param>
/// <param name="RouteRefusingSince">Since when its route has refused it for now: its first such refused attempt there.</param>
/// <param name="Pin">The provider that may hold the order (an attempt whose answer was lost): it is sent nowhere else.</param>
/// <param name="SaleRate">The service's rate, for the price guard.</param>
/// <param name="CancelRequested">A cancel is pending for it, or (for a drip-feed run) for its parent.</param>
/// <param name="DripfeedMode">services.dripfeed_mode.</param>
/// <param name="EmulatedRuns">Set on an emulated drip-feed parent: never sent, its runs are.</param>
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
    IReadOnlyList<Route>? Routes = null,
    int RoutePosition = 0,
    DateTimeOffset? RouteRefusingSince = null,
    AttemptPin? Pin = null,
    decimal? SaleRate = null,
    string DripfeedMode = Data.Entities.DripFeedMode.Auto,
    int? EmulatedRuns = null)
{
    /// <summary>Every route, route 0 first.</summary>
    public IReadOnlyList<Route> AllRoutes => Routes ?? [new Route(0, Provider, ProviderServiceId)];

    /// <summary>The route the order is on, or null when it no longer exists (its service_routes row was deleted).</summary>
    public Route? CurrentRoute => AllRoutes.FirstOrDefault(r => r.Position == RoutePosition);

    /// <summary>A provider may hold it: it never moves, fails or is refunded while so (only a person settles that).</summary>
    public bool Pinned => Pin is not null;

    /// <summary>The routes after the current one, in order: where failover may take it.</summary>
    public IEnumerable<Route> RoutesAfter(int position) => AllRoutes.Where(r => r.Position > position).OrderBy(r => r.Position);
}

/// <summary>
/// The attempt whose answer was lost (<c>order_attempts.outcome = 'unknown'</c>), and what sending again needs: its provider and
/// upstream service, never the route that now has its position.
/// </summary>
/// <param name="Provider">Its provider as it is now; null when the provider row was deleted.</param>
public sealed record AttemptPin(long AttemptId, long? ProviderId, string? ProviderServiceId, int RoutePosition, ProviderRow? Provider);
