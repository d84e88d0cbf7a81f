using Fulfillment.Data.Entities;
using Npgsql;

namespace Fulfillment.Engine.Alerts.Sql;

/// <summary>
/// Services with orders in progress longer than their expected time (<see cref="AlertOptions"/>), with their count and oldest order.
/// Emulated drip-feed parents, subscriptions and activations run for as long as they were bought for, and are left out.
/// </summary>
public static class StuckOrders
{
    private static readonly string Sql = $"""
        SELECT o.service_id::text,
               format('%s order(s) of service %s (%s) have been in progress for longer than expected (more than %s); the oldest is order %s, sent %s. Check them at the provider.',
                   count(*), s.id, s.name, $2::interval, min(o.id), to_char(min(o.dispatched_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI"Z"')),
               jsonb_build_object('count', count(*), 'oldest_order_id', min(o.id), 'expected_seconds', extract(epoch FROM $2::interval))
        FROM orders o
        JOIN services s ON s.id = o.service_id
        WHERE o.status = '{OrderStatus.InProgress}' AND o.emulated_runs IS NULL AND o.charged_posts IS NULL AND s.type <> '{ServiceType.Activation}'
          AND o.dispatched_at < $1 - $2::interval
        GROUP BY o.service_id, s.id, s.name
        ORDER BY o.service_id
        """;

    public static Task<IReadOnlyList<AlertCondition>> FindAsync(NpgsqlDataSource db, TimeSpan stuckAfter, DateTimeOffset now, CancellationToken ct) =>
        ProviderConditions.ReadAsync(db, Sql, ct, now, stuckAfter);
}
