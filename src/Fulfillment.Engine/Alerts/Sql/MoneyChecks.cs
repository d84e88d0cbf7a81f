using Fulfillment.Data.Entities;
using Npgsql;

namespace Fulfillment.Engine.Alerts.Sql;

/// <summary>The daily reconciliation's reads: money that does not add up (per user), and providers' costs far from what they listed.</summary>
public static class MoneyChecks
{
    private static readonly string Terminal = $"('{OrderStatus.Completed}', '{OrderStatus.Partial}', '{OrderStatus.Canceled}', '{OrderStatus.Failed}')";

    /// <summary>
    /// Users whose balance is not the sum of their ledger, or who have a finished order whose charge or refund is not what its ledger rows
    /// say; the orders are named. The engine never fixes money by itself: a person looks.
    /// </summary>
    public static Task<IReadOnlyList<AlertCondition>> BalanceMismatchesAsync(NpgsqlDataSource db, CancellationToken ct) => ProviderConditions.ReadAsync(db, $"""
        WITH sums AS (SELECT user_id, sum(amount) AS total FROM ledger GROUP BY user_id),
        balances AS (
            SELECT u.id AS user_id, u.balance, coalesce(s.total, 0) AS ledger
            FROM users u LEFT JOIN sums s ON s.user_id = u.id
            WHERE u.balance <> coalesce(s.total, 0)),
        orders_off AS (
            SELECT o.user_id, jsonb_agg(jsonb_build_object('order_id', o.id, 'charge', o.charge, 'charge_row', -c.amount, 'refunded', o.refunded,
                       'refund_row', r.amount) ORDER BY o.id) AS orders
            FROM orders o
            LEFT JOIN ledger c ON c.order_id = o.id AND c.kind = '{LedgerKind.Charge}'
            LEFT JOIN ledger r ON r.order_id = o.id AND r.kind = '{LedgerKind.Refund}'
            WHERE o.status IN {Terminal}
              AND (o.charge <> coalesce(-c.amount, 0) OR o.refunded <> coalesce(r.amount, 0))
            GROUP BY o.user_id),
        users_off AS (SELECT user_id FROM balances UNION SELECT user_id FROM orders_off)
        SELECT x.user_id::text,
               format('User %s''s money does not add up: balance %s, ledger sum %s%s. The engine changes nothing: check the ledger and correct it by hand.',
                   x.user_id, coalesce(b.balance::text, u.balance::text), coalesce(b.ledger::text, u.balance::text),
                   CASE WHEN o.orders IS NULL THEN '' ELSE format('; %s order(s) whose charge or refund differs from their ledger rows', jsonb_array_length(o.orders)) END),
               jsonb_build_object('balance', u.balance, 'ledger_sum', coalesce(b.ledger, u.balance), 'orders', coalesce(o.orders, '[]'::jsonb))
        FROM users_off x
        JOIN users u ON u.id = x.user_id
        LEFT JOIN balances b ON b.user_id = x.user_id
        LEFT JOIN orders_off o ON o.user_id = x.user_id
        ORDER BY x.user_id
        """, ct);

    /// <summary>
    /// Providers whose recorded cost of at least <c>CostMismatchMinOrders</c> orders finished in the last day differs by more than
    /// <c>CostTolerancePercent</c> from their accepted attempt's listed rate × the units delivered (both in the provider's currency).
    /// </summary>
    public static Task<IReadOnlyList<AlertCondition>> CostMismatchesAsync(NpgsqlDataSource db, ReconcileOptions options, DateTimeOffset now,
        CancellationToken ct) => ProviderConditions.ReadAsync(db, $"""
        WITH costs AS (
            SELECT a.provider_id, o.id, o.provider_charge AS charged,
                   CASE WHEN (fulfillment_service_type(s.type)).measure = 'unit' THEN a.upstream_rate
                        ELSE a.upstream_rate * greatest(o.quantity - greatest(coalesce(o.remains, 0), 0), 0) / 1000 END AS expected
            FROM orders o
            JOIN services s ON s.id = o.service_id
            JOIN LATERAL (SELECT t.provider_id, t.upstream_rate FROM order_attempts t
                          WHERE t.order_id = o.id AND t.outcome = '{AttemptOutcome.Accepted}' ORDER BY t.id DESC LIMIT 1) a ON true
            WHERE o.status IN {Terminal} AND o.finished_at >= $1 - interval '1 day' AND o.provider_charge IS NOT NULL
              AND a.upstream_rate IS NOT NULL AND a.provider_id IS NOT NULL),
        off AS (
            SELECT provider_id, id, charged, expected FROM costs
            WHERE expected > 0 AND abs(charged - expected) > expected * $2 / 100.0)
        SELECT f.provider_id::text,
               format('Provider %s charged %s of yesterday''s orders more than %s%% away from the rate it listed (e.g. order %s: %s charged, %s listed). Check its prices and its invoices.',
                   p.name, count(*), $2, min(f.id), (array_agg(f.charged ORDER BY f.id))[1], round((array_agg(f.expected ORDER BY f.id))[1], 6)),
               jsonb_build_object('orders', count(*), 'sample', jsonb_agg(jsonb_build_object('order_id', f.id, 'charged', f.charged, 'expected', round(f.expected, 6)) ORDER BY f.id) FILTER (WHERE f.id IS NOT NULL))
        FROM off f JOIN providers p ON p.id = f.provider_id
        GROUP BY f.provider_id, p.name
        HAVING count(*) >= $3
        ORDER BY f.provider_id
        """, ct, now, options.CostTolerancePercent, options.CostMismatchMinOrders);
}
