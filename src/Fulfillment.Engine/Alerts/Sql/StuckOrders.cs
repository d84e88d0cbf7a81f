using Fulfillment.Data.Entities;
using Npgsql;

namespace Fulfillment.Engine.Alerts.Sql;

/// <summary>
/// Services with orders in progress longer than their expected time (<see cref="AlertOptions"/>), with their count and oldest order.
/// Emulated drip-feed parents, subscriptions and activations run for as long as they were bought for, and are left out.
/// </summary>
public static class StuckOrders
{
    /// <summary>
    /// SQL: the expected time of order <c>o</c> of service <c>s</c> with stats <c>st</c> (LEFT JOIN service_stats): the factor ×
    /// avg_seconds_per_1000 × quantity / 1000 (a type measured otherwise: × avg_seconds), at least the minimum; without stats the
    /// configured time. The arguments name the query's parameters.
    /// </summary>
    public static string Expected(string withoutStats, string minimum, string factor) => $"""
        CASE WHEN st.avg_seconds_per_1000 IS NULL THEN {withoutStats}::interval
             ELSE greatest({minimum}::interval, make_interval(secs => ({factor} * st.avg_seconds_per_1000
                  * CASE WHEN (fulfillment_service_type(s.type)).measure = 'quantity' THEN o.quantity / 1000.0 ELSE 1 END)::double precision)) END
        """;

    private static readonly string Sql = $"""
        SELECT o.service_id::text,
               format('%s order(s) of service %s (%s) have been in progress longer than expected (%s); the oldest is order %s, sent %s. Check them at the provider.',
                   count(*), s.id, s.name, CASE WHEN max(st.avg_seconds_per_1000) IS NULL THEN 'no average time yet, more than ' || $2::interval
                                                ELSE 'over ' || $4 || 'x its average time' END,
                   min(o.id), to_char(min(o.dispatched_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI"Z"')),
               jsonb_build_object('count', count(*), 'oldest_order_id', min(o.id))
        FROM orders o
        JOIN services s ON s.id = o.service_id
        LEFT JOIN service_stats st ON st.service_id = o.service_id
        WHERE o.status = '{OrderStatus.InProgress}' AND o.emulated_runs IS NULL AND o.charged_posts IS NULL AND s.type <> '{ServiceType.Activation}'
          AND o.dispatched_at < $1 - $3::interval AND o.dispatched_at < $1 - ({Expected("$2", "$3", "$4")})
        GROUP BY o.service_id, s.id, s.name
        ORDER BY o.service_id
        """;

    public static Task<IReadOnlyList<AlertCondition>> FindAsync(NpgsqlDataSource db, AlertOptions options, DateTimeOffset now, CancellationToken ct) =>
        ProviderConditions.ReadAsync(db, Sql, ct, now, options.StuckAfter, options.StuckAfterMin, options.StuckFactor);
}
