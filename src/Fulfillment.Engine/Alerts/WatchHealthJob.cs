using Fulfillment.Data.Entities;
using Fulfillment.Engine.Alerts.Sql;
using Fulfillment.Engine.Jobs;
using Fulfillment.Engine.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Fulfillment.Engine.Alerts;

/// <summary>
/// WatchHealth: puts the routes that fail their orders in quarantine (<see cref="RouteHealth"/>), and states the conditions operators are
/// alerted to from what the database holds: providers low on balance or unreachable, routes in quarantine, orders stuck. Alerts clear by
/// themselves when their condition ends. The open alerts per kind feed the gauge <c>fulfillment.alerts.open</c>.
/// </summary>
public sealed class WatchHealthJob(
    NpgsqlDataSource db,
    AlertBook alerts,
    IOptions<QuarantineOptions> quarantine,
    IOptions<AlertOptions> options,
    EngineMetrics metrics,
    TimeProvider clock,
    ILogger<WatchHealthJob> logger) : IEngineJob
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        foreach (var route in await RouteHealth.QuarantineAsync(db, quarantine.Value, options.Value, now, cancellationToken))
        {
            logger.LogInformation("Route quarantined: provider {ProviderId}, service {Service}, level {Level}, until {Until:u}: {Reason}",
                route.ProviderId, route.Service, route.Level, route.Until, route.Reason);
        }

        await alerts.StateAsync(AlertKind.RouteQuarantined, AlertSubject.Route, await RouteHealth.InQuarantineAsync(db, now, cancellationToken), null,
            cancellationToken);
        await alerts.StateAsync(AlertKind.ProviderBalanceLow, AlertSubject.Provider, await ProviderConditions.BalanceLowAsync(db, cancellationToken), null,
            cancellationToken);
        await alerts.StateAsync(AlertKind.ProviderUnreachable, AlertSubject.Provider, await ProviderConditions.UnreachableAsync(db, cancellationToken), null,
            cancellationToken);
        await alerts.StateAsync(AlertKind.ProviderAuthFailed, AlertSubject.Provider, await ProviderConditions.AuthFailedAsync(db, cancellationToken), null,
            cancellationToken);
        await alerts.StateAsync(AlertKind.OrdersStuck, AlertSubject.Service, await StuckOrders.FindAsync(db, options.Value, now, cancellationToken),
            null, cancellationToken);
        metrics.SetOpenAlerts(await alerts.OpenByKindAsync(cancellationToken));
    }
}
