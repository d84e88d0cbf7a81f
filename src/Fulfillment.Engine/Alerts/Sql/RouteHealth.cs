using Fulfillment.Data.Entities;
using Npgsql;

namespace Fulfillment.Engine.Alerts.Sql;

/// <summary>A route put in quarantine now.</summary>
public sealed record Quarantined(long ProviderId, string Service, int Level, DateTimeOffset Until, string Reason);

/// <summary>
/// Each route's window of what happened since its last quarantine ended (<see cref="QuarantineOptions"/>): add errors that are not about
/// the order in the last hour; orders the provider canceled without delivering (no cancel was asked of it) among the route's orders
/// finished in the cancel window, and the users they belong to; orders in progress past the expected time. A route past a threshold,
/// and not in quarantine now, is quarantined for the cooldown of its level: one more than its last, or the first after a clean
/// <c>ResetAfter</c>.
/// </summary>
public static class RouteHealth
{
    /// <summary>
    /// Refusals for now that say nothing of the route: the provider's own same-link rule and throttling, and failures of the whole
    /// provider, each with its own remedy and alert (unreachable: failover and provider_unreachable; a refused key: provider_auth_failed;
    /// funds: the balance pause; their SMS-activate equivalents alike). Counted as route errors they would quarantine every route of a provider that was down a few minutes,
    /// for half an hour after it came back.
    /// </summary>
    private const string ProviderWide = """
        'temporary:duplicate_link', 'temporary:rate_limited', 'temporary:unreachable', 'temporary:authentication_failed', 'temporary:insufficient_funds',
        'temporary:not_sent', 'temporary:bad_key', 'temporary:banned', 'temporary:no_balance'
        """;

    private static readonly string Sql = $"""
        WITH q AS (SELECT provider_id, service, quarantined_until, level FROM route_quarantines),
        errors AS (
            SELECT a.provider_id, a.provider_service_id AS service, count(*) AS n
            FROM order_attempts a
            LEFT JOIN q ON q.provider_id = a.provider_id AND q.service = a.provider_service_id
            WHERE a.sent_at > greatest($1 - interval '1 hour', coalesce(q.quarantined_until, '-infinity'))
              AND a.provider_id IS NOT NULL AND a.provider_service_id IS NOT NULL
              AND ((a.outcome = '{AttemptOutcome.Refused}' AND a.refusal LIKE 'temporary:%'
                    AND a.refusal NOT IN ({ProviderWide}))
                   OR a.outcome = '{AttemptOutcome.Unknown}')
            GROUP BY 1, 2),
        finished AS (
            SELECT a.provider_id, a.provider_service_id AS service, o.user_id,
                   o.status = 'canceled' AND NOT EXISTS (SELECT 1 FROM order_requests r WHERE r.order_id = o.id AND r.kind = 'cancel') AS canceled
            FROM order_attempts a
            JOIN orders o ON o.id = a.order_id
            LEFT JOIN q ON q.provider_id = a.provider_id AND q.service = a.provider_service_id
            WHERE a.outcome = '{AttemptOutcome.Accepted}' AND a.provider_id IS NOT NULL AND a.provider_service_id IS NOT NULL
              AND a.sent_at > greatest($1 - $3::interval, coalesce(q.quarantined_until, '-infinity'))
              AND o.status IN ('completed', 'partial', 'canceled', 'failed')),
        cancels AS (
            SELECT provider_id, service, count(*) FILTER (WHERE canceled) AS n, count(DISTINCT user_id) FILTER (WHERE canceled) AS users, count(*) AS finished
            FROM finished GROUP BY 1, 2),
        stuck AS (
            SELECT a.provider_id, a.provider_service_id AS service, count(*) AS n
            FROM orders o
            JOIN services s ON s.id = o.service_id
            LEFT JOIN service_stats st ON st.service_id = o.service_id
            JOIN order_attempts a ON a.order_id = o.id AND a.outcome = '{AttemptOutcome.Accepted}'
            LEFT JOIN q ON q.provider_id = a.provider_id AND q.service = a.provider_service_id
            WHERE o.status = '{OrderStatus.InProgress}' AND o.emulated_runs IS NULL AND o.charged_posts IS NULL
              AND o.dispatched_at < $1 - $11::interval AND o.dispatched_at > coalesce(q.quarantined_until, '-infinity')
              AND o.dispatched_at < $1 - ({StuckOrders.Expected("$8", "$11", "$12")})
              AND a.provider_id IS NOT NULL AND a.provider_service_id IS NOT NULL
            GROUP BY 1, 2),
        trips AS (
            SELECT provider_id, service, n || ' add errors in the last hour' AS reason FROM errors WHERE n >= $2
            UNION ALL
            SELECT provider_id, service, n || ' of its ' || finished || ' orders finished lately were canceled by the provider without delivering (' || users || ' users)'
            FROM cancels WHERE n >= $4 AND users >= $5 AND n * 100 > $6 * finished
            UNION ALL
            SELECT provider_id, service, n || ' orders in progress past their expected time' FROM stuck WHERE n >= $7),
        tripped AS (SELECT provider_id, service, string_agg(reason, '; ' ORDER BY reason) AS reason FROM trips GROUP BY 1, 2),
        leveled AS (
            SELECT t.provider_id, t.service, t.reason,
                   CASE WHEN q.provider_id IS NULL OR q.quarantined_until < $1 - $10::interval THEN 1 ELSE q.level + 1 END AS level
            FROM tripped t
            JOIN providers p ON p.id = t.provider_id
            LEFT JOIN q ON q.provider_id = t.provider_id AND q.service = t.service
            WHERE q.quarantined_until IS NULL OR q.quarantined_until <= $1)
        INSERT INTO route_quarantines (provider_id, service, quarantined_until, reason, level, updated_at)
        SELECT provider_id, service, $1 + ($9::interval[])[least(level, cardinality($9::interval[]))], reason, level, $1 FROM leveled
        ON CONFLICT (provider_id, service) DO UPDATE
            SET quarantined_until = EXCLUDED.quarantined_until, reason = EXCLUDED.reason, level = EXCLUDED.level, updated_at = EXCLUDED.updated_at
        RETURNING provider_id, service, level, quarantined_until, reason
        """;

    /// <summary>Quarantines the routes past a threshold now; returns them.</summary>
    /// <param name="stuck">When an order in progress counts as stuck.</param>
    public static async Task<IReadOnlyList<Quarantined>> QuarantineAsync(NpgsqlDataSource db, QuarantineOptions o, AlertOptions stuck, DateTimeOffset now,
        CancellationToken ct)
    {
        await using var command = db.CreateCommand(Sql);
        object[] values = [now, o.ErrorsPerHour, o.ProviderCancelWindow, o.ProviderCancels, o.ProviderCancelUsers, o.ProviderCancelPercent, o.StuckOrders,
            stuck.StuckAfter, o.CooldownSteps().ToArray(), o.ResetAfter, stuck.StuckAfterMin, stuck.StuckFactor];
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        var quarantined = new List<Quarantined>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            quarantined.Add(new Quarantined(reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2), reader.GetFieldValue<DateTimeOffset>(3),
                reader.GetString(4)));
        }

        return quarantined;
    }

    /// <summary>The routes in quarantine now, as alerts (subject <c>provider_id:service</c>).</summary>
    public static async Task<IReadOnlyList<AlertCondition>> InQuarantineAsync(NpgsqlDataSource db, DateTimeOffset now, CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            SELECT q.provider_id, q.service, q.quarantined_until, q.level, q.reason, p.name
            FROM route_quarantines q JOIN providers p ON p.id = q.provider_id
            WHERE q.quarantined_until > $1 ORDER BY q.provider_id, q.service
            """);
        command.Parameters.Add(new() { Value = now });
        var routes = new List<AlertCondition>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var (provider, service, until, level, reason, name) = (reader.GetInt64(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2),
                reader.GetInt32(3), reader.GetString(4), reader.GetString(5));
            routes.Add(new AlertCondition($"{provider}:{service}",
                $"Provider {name}'s service {service} is in quarantine until {until:u} ({reason}): new orders go to the service's next route or wait. " +
                "Check the provider; lift_quarantine(provider_id, service) ends it early.",
                new { provider_id = provider, service, quarantined_until = until, level, reason }));
        }

        return routes;
    }
}
