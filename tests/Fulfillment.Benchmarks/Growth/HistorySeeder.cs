using System.Diagnostics;
using Fulfillment.Benchmarks.Engine;
using Npgsql;

namespace Fulfillment.Benchmarks.Growth;

/// <summary>
/// Finished orders with their history, written set-based: each chunk adds users (one per 50 orders), their orders
/// spread over the last three years (85% completed, 5% partial, 7% canceled, 3% failed before sending), per order
/// the audit events a real life writes (placed, dispatching, accepted, the finish; a failed order: placed and the
/// finish), a charge ledger row and, when refunded, a refund row, each user's deposit first, and one notification
/// per order finished in the last 90 days (the retention window of sent notifications; older ones are purged).
/// </summary>
/// <remarks>
/// Triggers are off while a chunk is written (<c>session_replication_role = replica</c>: the per-row ledger lock and
/// the foreign-key checks would triple the time), so each chunk is checked afterwards with queries: every seeded
/// user's balance equals its ledger sum and its last <c>balance_after</c>, each ledger row continues its user's chain,
/// and every event, ledger row and notification points at an order that exists. A chunk that fails a check throws.
/// </remarks>
public static class HistorySeeder
{
    public const int OrdersPerUser = 50;

    public static async Task<double> SeedAsync(NpgsqlDataSource db, long service, long provider, long orders, Action<string> log)
    {
        var clock = Stopwatch.StartNew();
        const long chunk = 500_000;
        for (long done = 0; done < orders; done += chunk)
        {
            var n = Math.Min(chunk, orders - done);
            await SeedChunkAsync(db, service, provider, n);
            log($"  seeded {done + n:N0} of {orders:N0} finished orders ({clock.Elapsed.TotalSeconds:0} s)");
        }

        return clock.Elapsed.TotalSeconds;
    }

    private static async Task SeedChunkAsync(NpgsqlDataSource db, long service, long provider, long n)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        async Task Run(string sql, params object[] args)
        {
            await using var command = new NpgsqlCommand(sql, connection, transaction) { CommandTimeout = 0 };
            foreach (var arg in args)
            {
                command.Parameters.Add(new NpgsqlParameter { Value = arg });
            }

            await command.ExecuteNonQueryAsync();
        }

        await Run("SET LOCAL session_replication_role = replica");
        // The orders of this chunk, explicit ids above every existing one; users likewise.
        await Run("""
            CREATE TEMP TABLE seed_o ON COMMIT DROP AS
            WITH base AS (SELECT coalesce((SELECT max(id) FROM orders), 0) AS o, coalesce((SELECT max(id) FROM users), 0) AS u),
            g AS (SELECT g, random() AS r, now() - interval '1095 days' * random() AS at FROM generate_series(1, $1::bigint) g)
            SELECT base.o + g AS id, base.u + 1 + (g - 1) / $2 AS user_id, at AS created_at,
                   CASE WHEN r < 0.85 THEN 'completed' WHEN r < 0.90 THEN 'partial' WHEN r < 0.97 THEN 'canceled' ELSE 'failed' END AS status
            FROM g, base
            """, n, OrdersPerUser);
        await Run("""
            ALTER TABLE seed_o ADD refund numeric(20,6);
            UPDATE seed_o SET refund = CASE status WHEN 'partial' THEN 0.03 WHEN 'canceled' THEN 0.1 WHEN 'failed' THEN 0.1 END;
            """);
        await Run("""
            INSERT INTO users (id, username, email, balance, created_at, last_active_at)
            SELECT user_id, 'hist' || user_id, 'hist' || user_id || '@example.com', coalesce(sum(refund), 0), min(created_at), now() - interval '180 days' * random()
            FROM seed_o GROUP BY user_id
            """);
        await Run("""
            INSERT INTO orders (id, user_id, service_id, link, link_key, quantity, charge, charged_units, params, created_at, status, provider_id,
                                provider_order_id, provider_status, start_count, remains, refunded, dispatched_at, finished_at, updated_at, attempts)
            SELECT id, user_id, $1, 'https://instagram.com/p/hist' || id, 'instagram.com/p/hist' || id, 100, 0.1, 100, '{}', created_at, status,
                   CASE WHEN status <> 'failed' THEN $2::bigint END,
                   CASE WHEN status <> 'failed' THEN (9000000000 + id)::text END,
                   CASE status WHEN 'completed' THEN 'Completed' WHEN 'partial' THEN 'Partial' WHEN 'canceled' THEN 'Canceled' END,
                   CASE WHEN status <> 'failed' THEN 1000 END,
                   CASE status WHEN 'completed' THEN 0 WHEN 'partial' THEN 30 WHEN 'canceled' THEN 100 END,
                   coalesce(refund, 0),
                   CASE WHEN status <> 'failed' THEN created_at + interval '2 seconds' END,
                   created_at + interval '3 hours', created_at + interval '3 hours', 1
            FROM seed_o
            """, service, provider);
        await Run("""
            INSERT INTO order_events (order_id, at, kind, detail)
            SELECT o.id, o.created_at + e.after, e.kind, e.detail
            FROM seed_o o
            CROSS JOIN LATERAL (VALUES
                (interval '0', 'placed', '{"charge": 0.1, "units": 100}'::jsonb, true),
                (interval '1 second', 'dispatching', '{"instance": "00000000-0000-0000-0000-000000000000"}'::jsonb, o.status <> 'failed'),
                (interval '2 seconds', 'accepted', jsonb_build_object('provider_order_id', (9000000000 + o.id)::text), o.status <> 'failed'),
                (interval '3 hours', o.status, jsonb_build_object('from', 'in_progress', 'refund', o.refund), true)) e(after, kind, detail, wanted)
            WHERE e.wanted
            ORDER BY o.id
            """);
        // Per user: the deposit (its orders' charges), then each order's charge and refund, balance_after running.
        await Run("""
            INSERT INTO ledger (id, user_id, order_id, kind, amount, balance_after, reference, created_at)
            SELECT (SELECT coalesce(max(id), 0) FROM ledger) + row_number() OVER (ORDER BY user_id, seq), user_id, order_id, kind, amount,
                   sum(amount) OVER (PARTITION BY user_id ORDER BY seq), reference, at
            FROM (
                SELECT user_id, 0::bigint AS seq, NULL::bigint AS order_id, 'deposit' AS kind, 0.1 * count(*) AS amount, 'hist-deposit-' || user_id AS reference,
                       min(created_at) - interval '1 minute' AS at
                FROM seed_o GROUP BY user_id
                UNION ALL
                SELECT user_id, id * 2, id, 'charge', -0.1, NULL, created_at FROM seed_o
                UNION ALL
                SELECT user_id, id * 2 + 1, id, 'refund', refund, NULL, created_at + interval '3 hours' FROM seed_o WHERE refund IS NOT NULL) x
            """);
        await Run("""
            INSERT INTO notifications (user_id, order_id, kind, payload, created_at, sent_at)
            SELECT user_id, id, 'order_' || status, jsonb_build_object('order_id', id, 'status', status, 'charge', 0.1, 'refund', coalesce(refund, 0)),
                   created_at + interval '3 hours', created_at + interval '3 hours 1 minute'
            FROM seed_o WHERE created_at > now() - interval '90 days'
            """);
        await Run("""
            SELECT setval(pg_get_serial_sequence('orders', 'id'), (SELECT max(id) FROM orders));
            SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT max(id) FROM users));
            SELECT setval(pg_get_serial_sequence('ledger', 'id'), (SELECT max(id) FROM ledger));
            """);
        await Run("SET LOCAL session_replication_role = origin");
        // The triggers were off: what they enforce is checked here instead.
        await using (var check = new NpgsqlCommand("""
            SELECT
              (SELECT count(*) FROM users u JOIN (SELECT DISTINCT user_id FROM seed_o) s ON s.user_id = u.id
               WHERE u.balance IS DISTINCT FROM (SELECT sum(amount) FROM ledger l WHERE l.user_id = u.id)
                  OR u.balance IS DISTINCT FROM (SELECT balance_after FROM ledger l WHERE l.user_id = u.id ORDER BY id DESC LIMIT 1)),
              (SELECT count(*) FROM (
                  SELECT balance_after, lag(balance_after, 1, 0::numeric) OVER (PARTITION BY user_id ORDER BY id) + amount AS expected
                  FROM ledger WHERE user_id IN (SELECT DISTINCT user_id FROM seed_o)) c WHERE balance_after <> expected OR balance_after < 0),
              (SELECT count(*) FROM ledger l WHERE l.user_id IN (SELECT DISTINCT user_id FROM seed_o) AND l.order_id IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = l.order_id)),
              (SELECT count(*) FROM seed_o s WHERE NOT EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = s.id))
            """, connection, transaction) { CommandTimeout = 0 })
        await using (var reader = await check.ExecuteReaderAsync())
        {
            await reader.ReadAsync();
            var (balances, chain, orphans, eventless) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
            if (balances + chain + orphans + eventless > 0)
            {
                throw new InvalidOperationException(
                    $"seeded history is inconsistent: {balances} balances off their ledger, {chain} ledger rows off their chain, {orphans} ledger rows without their order, {eventless} orders without events");
            }
        }

        await transaction.CommitAsync();
    }
}
