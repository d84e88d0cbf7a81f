using Fulfillment.Data.Entities;
using Npgsql;

namespace Fulfillment.Engine.Pricing.Sql;

/// <summary>
/// service_stats, refreshed incrementally: each service's latest finish is one probe of ix_orders_service_delivered, and only the
/// services with a finish after the one last counted are computed again, over their latest <c>OrdersCounted</c> orders finished completed
/// or partial (the same index, newest first). An order's time is finished_at − dispatched_at; avg_seconds_per_1000 is the mean of time ×
/// 1000 / delivered units (quantity − remains) for the types measured by quantity, and avg_seconds for the others. Emulated drip-feed
/// parents, their runs and subscriptions are not in the index; activations are left out by their service's type.
/// </summary>
public static class ServiceStats
{
    /// <summary>The orders the stats read: ix_orders_service_delivered's predicate, spelt as it is so the planner uses it.</summary>
    public const string Delivered = "o.status IN ('completed', 'partial') AND o.parent_id IS NULL AND o.emulated_runs IS NULL AND o.charged_posts IS NULL";

    /// <summary>$1 how many orders per service, $2 now. Public so the plan test runs this text.</summary>
    public static readonly string Sql = $"""
        WITH latest AS (
            SELECT s.id AS service_id, st.last_finished_at,
                   (SELECT o.finished_at FROM orders o WHERE o.service_id = s.id AND {Delivered} ORDER BY o.finished_at DESC LIMIT 1) AS finished_at,
                   (fulfillment_service_type(s.type)).measure = 'quantity' AS by_quantity
            FROM services s
            LEFT JOIN service_stats st ON st.service_id = s.id
            WHERE s.type <> '{ServiceType.Activation}'),
        changed AS (SELECT * FROM latest WHERE finished_at IS NOT NULL AND (last_finished_at IS NULL OR finished_at > last_finished_at)),
        computed AS (
            SELECT c.service_id, x.n, x.avg_s, x.p90, CASE WHEN c.by_quantity THEN x.per_1000 ELSE x.avg_s END AS per_1000, x.last
            FROM changed c
            CROSS JOIN LATERAL (
                SELECT count(*) AS n, avg(l.secs) AS avg_s, percentile_cont(0.9) WITHIN GROUP (ORDER BY l.secs) AS p90,
                       avg(l.secs * 1000 / l.units) FILTER (WHERE l.units > 0) AS per_1000, max(l.finished_at) AS last
                FROM (SELECT extract(epoch FROM o.finished_at - o.dispatched_at) AS secs,
                             o.quantity - least(greatest(coalesce(o.remains, 0), 0), o.quantity) AS units, o.finished_at
                      FROM orders o
                      WHERE o.service_id = c.service_id AND {Delivered} AND o.dispatched_at IS NOT NULL
                      ORDER BY o.finished_at DESC
                      LIMIT $1) l) x)
        INSERT INTO service_stats (service_id, orders_counted, avg_seconds, p90_seconds, avg_seconds_per_1000, updated_at, last_finished_at)
        SELECT service_id, n, round(avg_s, 3), round(p90::numeric, 3), round(per_1000, 3), $2, last FROM computed
        ON CONFLICT (service_id) DO UPDATE SET orders_counted = EXCLUDED.orders_counted, avg_seconds = EXCLUDED.avg_seconds,
            p90_seconds = EXCLUDED.p90_seconds, avg_seconds_per_1000 = EXCLUDED.avg_seconds_per_1000, updated_at = EXCLUDED.updated_at,
            last_finished_at = EXCLUDED.last_finished_at
        """;

    /// <summary>Refreshes the services with new finishes; returns how many.</summary>
    public static async Task<int> RefreshAsync(NpgsqlDataSource db, int ordersCounted, DateTimeOffset now, CancellationToken ct)
    {
        await using var command = db.CreateCommand(Sql);
        command.Parameters.Add(new() { Value = ordersCounted });
        command.Parameters.Add(new() { Value = now });
        return await command.ExecuteNonQueryAsync(ct);
    }
}
