using System.Diagnostics;
using Npgsql;

namespace Fulfillment.Benchmarks.Growth;

/// <summary>
/// Finished orders with their history, written as the engine writes them, set-based and with every trigger on: per order
/// the same row versions a real life leaves. Chunks go in time order over the last three years (ids rise with time, as
/// they do), each chunk in the engine's steps, one transaction each: users and their deposits (<c>deposit</c>); the
/// placement (the order, the user's balance, the charge row continuing the ledger chain, the <c>placed</c> event, as
/// <c>place_order</c> writes them); the claim (<c>dispatching</c> with its link key, and its event); the mark (a
/// <c>sending</c> attempt); the answer (the attempt accepted, the order <c>in_progress</c>, its event); a status check's
/// lease; its progress (start count, remains, next check); a second lease; the finish by the engine's own
/// <c>fulfillment_finish_orders</c> (the order, its finish event, its notification, the refund and balance when refunded,
/// the held-order release trigger); the panel marking the notification sent, and retention deleting sent notifications
/// older than 90 days. 85% completed, 5% partial, 7% canceled, 3% failed before sending (placed, then failed with a refund).
/// </summary>
/// <remarks>
/// What differs from one order at a time: a user's balance moves once per step for all of its orders in the chunk (the
/// engine moves it once per order at placement), and ledger rows carry the time they were seeded (their
/// <c>created_at</c> is the server's clock, as in production; nothing reads it on the engine's paths). Every other
/// timestamp is the order's own time in the past, so events land in their month's partition.
/// </remarks>
public static class HistorySeeder
{
    public const int OrdersPerUser = 50;

    private const int Chunk = 100_000;

    private static readonly TimeSpan History = TimeSpan.FromDays(1095);

    public static async Task<double> SeedAsync(NpgsqlDataSource db, long service, long provider, long orders, Action<string> log)
    {
        var clock = Stopwatch.StartNew();
        var start = DateTimeOffset.UtcNow - History;
        var chunks = (int)Math.Max(1, (orders + Chunk - 1) / Chunk);
        // The month partitions MaintainPartitions would have added as the history was written (two months ahead each time).
        await ExecuteAsync(db, "SELECT count(*) FROM generate_series(0, $2::int) g, LATERAL fulfillment_add_event_partitions($1 + make_interval(months => g), 2)",
            start, (int)(History.TotalDays / 28) + 1);
        long done = 0;
        for (var c = 0; c < chunks; c++)
        {
            var n = (orders - done) / (chunks - c);
            var from = start + (History * c / chunks);
            await SeedChunkAsync(db, service, provider, n, from, History / chunks);
            done += n;
            log($"  seeded {done:N0} of {orders:N0} finished orders ({clock.Elapsed.TotalSeconds:0} s)");
        }

        return clock.Elapsed.TotalSeconds;
    }

    private static async Task ExecuteAsync(NpgsqlDataSource db, string sql, params object[] args)
    {
        await using var command = db.CreateCommand(sql);
        command.CommandTimeout = 0;
        foreach (var arg in args)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = arg });
        }

        await command.ExecuteNonQueryAsync();
    }

    private static async Task SeedChunkAsync(NpgsqlDataSource db, long service, long provider, long n, DateTimeOffset from, TimeSpan span)
    {
        await using var connection = await db.OpenConnectionAsync();
        async Task Step(params string[] statements)
        {
            await using var transaction = await connection.BeginTransactionAsync();
            foreach (var sql in statements)
            {
                await using var command = new NpgsqlCommand(sql, connection, transaction) { CommandTimeout = 0 };
                await command.ExecuteNonQueryAsync();
            }

            await transaction.CommitAsync();
        }

        var instance = Guid.NewGuid();
        await using (var create = new NpgsqlCommand("""
            CREATE TEMP TABLE seed_o AS
            WITH base AS (SELECT coalesce((SELECT max(id) FROM orders), 0) AS o, coalesce((SELECT max(id) FROM users), 0) AS u)
            SELECT base.o + k + 1 AS id, base.u + 1 + k / $2 AS user_id, $3::timestamptz + $4::double precision * k / $1 * interval '1 second' AS at,
                   CASE WHEN (k * 7919) % 100 < 85 THEN 'completed' WHEN (k * 7919) % 100 < 90 THEN 'partial'
                        WHEN (k * 7919) % 100 < 97 THEN 'canceled' ELSE 'failed' END AS fate
            FROM generate_series(0, $1::bigint - 1) k, base
            """, connection) { CommandTimeout = 0 })
        {
            create.Parameters.Add(new NpgsqlParameter { Value = n });
            create.Parameters.Add(new NpgsqlParameter { Value = (long)OrdersPerUser });
            create.Parameters.Add(new NpgsqlParameter { Value = from });
            create.Parameters.Add(new NpgsqlParameter { Value = span.TotalSeconds });
            await create.ExecuteNonQueryAsync();
        }

        await using (var index = new NpgsqlCommand("CREATE INDEX ON seed_o (id); ANALYZE seed_o", connection))
        {
            await index.ExecuteNonQueryAsync();
        }

        var sent = "'" + instance + "'::uuid";
        // Users, and the deposit each makes before its orders (the panel's deposit()).
        await Step(
            """
            INSERT INTO users (id, username, email, created_at, last_active_at)
            SELECT user_id, 'hist' || user_id, 'hist' || user_id || '@example.com', min(at) - interval '1 day', max(at) + interval '3 hours'
            FROM seed_o GROUP BY user_id ORDER BY user_id
            """,
            "SELECT count(deposit(user_id, 0.1 * c, 'hist-deposit-' || user_id)) FROM (SELECT user_id, count(*) AS c FROM seed_o GROUP BY user_id ORDER BY user_id) d",
            "SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT max(id) FROM users))");
        // The placement, as place_order writes it: the order, the balance, the charge continuing the chain, the placed event.
        await Step(
            $"""
            INSERT INTO orders (id, user_id, service_id, link, quantity, charge, charged_units, params, status, created_at, updated_at)
            SELECT id, user_id, {service}, 'https://instagram.com/p/hist' || id, 100, 0.1, 100, jsonb_build_object(), 'pending', at, at FROM seed_o ORDER BY id
            """,
            "SELECT setval(pg_get_serial_sequence('orders', 'id'), (SELECT max(id) FROM orders))",
            "UPDATE users u SET balance = u.balance - t.total FROM (SELECT user_id, 0.1 * count(*) AS total FROM seed_o GROUP BY user_id) t WHERE u.id = t.user_id",
            """
            INSERT INTO ledger (user_id, order_id, kind, amount, balance_after)
            SELECT s.user_id, s.id, 'charge', -0.1,
                   u.balance + 0.1 * (count(*) OVER (PARTITION BY s.user_id) - row_number() OVER (PARTITION BY s.user_id ORDER BY s.id))
            FROM seed_o s JOIN users u ON u.id = s.user_id
            ORDER BY s.user_id, s.id
            """,
            """
            INSERT INTO order_events (order_id, at, kind, detail)
            SELECT id, at, 'placed', '{"charge": 0.1, "units": 100}'::jsonb FROM seed_o ORDER BY id
            """);
        // The claim (DispatchWrites.Claim): failed orders never get this far.
        await Step($"""
            WITH moved AS (
                UPDATE orders o SET status = 'dispatching', claimed_by = {sent}, attempts = o.attempts + 1, provider_id = {provider},
                    error = NULL, updated_at = s.at + interval '1 second', link_key = 'instagram.com/p/hist' || s.id
                FROM seed_o s WHERE o.id = s.id AND s.fate <> 'failed' AND o.status = 'pending'
                RETURNING o.id, s.at)
            INSERT INTO order_events (order_id, at, kind, detail)
            SELECT id, at + interval '1 second', 'dispatching', jsonb_build_object('instance', {sent}::text) FROM moved
            """);
        // The mark (AttemptWriter.Start), then the answer (AttemptWriter.Answer, DispatchWrites.Accepted).
        await Step($"""
            INSERT INTO order_attempts (order_id, provider_id, provider_service_id, route_position, upstream_rate, sent_at, outcome, instance)
            SELECT s.id, {provider}, '2', 0, NULL, s.at + interval '1 second', 'sending', {sent} FROM seed_o s WHERE s.fate <> 'failed' ORDER BY s.id
            """);
        await Step(
            """
            UPDATE order_attempts a SET outcome = 'accepted', provider_order_id = (9000000000 + s.id)::text, answered_at = s.at + interval '2 seconds'
            FROM seed_o s WHERE a.order_id = s.id AND a.outcome = 'sending'
            """,
            """
            WITH moved AS (
                UPDATE orders o SET status = 'in_progress', provider_order_id = (9000000000 + s.id)::text, dispatched_at = s.at + interval '2 seconds',
                    next_check_at = s.at + interval '17 seconds', claimed_by = NULL, error = NULL, updated_at = s.at + interval '2 seconds', result = o.result
                FROM seed_o s WHERE o.id = s.id AND o.status = 'dispatching'
                RETURNING o.id, o.provider_order_id, s.at)
            INSERT INTO order_events (order_id, at, kind, detail)
            SELECT id, at + interval '2 seconds', 'accepted', jsonb_build_object('provider_order_id', provider_order_id) FROM moved
            """);
        // A status check: its lease (TrackingStore's claim), then the progress it records (ProgressWrites).
        await Step("""
            UPDATE orders o SET next_check_at = s.at + interval '137 seconds' FROM seed_o s WHERE o.id = s.id AND o.status = 'in_progress'
            """);
        await Step("""
            UPDATE orders o SET provider_status = 'In progress', start_count = 1000, remains = 100, next_check_at = s.at + interval '32 seconds', error = NULL,
                updated_at = s.at + interval '17 seconds'
            FROM seed_o s WHERE o.id = s.id AND o.status = 'in_progress'
            """);
        // The last check's lease, then its finish.
        await Step("""
            UPDATE orders o SET next_check_at = s.at + interval '152 seconds' FROM seed_o s WHERE o.id = s.id AND o.status = 'in_progress'
            """);
        await Step("""
            SELECT count(f) FROM (
                SELECT b, array_agg(id ORDER BY id) AS ids, array_agg(fate ORDER BY id) AS statuses,
                       array_agg(CASE fate WHEN 'completed' THEN 0 WHEN 'partial' THEN 30 WHEN 'canceled' THEN 100 END ORDER BY id) AS remains,
                       array_agg(CASE WHEN fate = 'failed' THEN 'The service was disabled before the order was sent.' END ORDER BY id) AS errors,
                       array_agg(CASE fate WHEN 'completed' THEN 'Completed' WHEN 'partial' THEN 'Partial' WHEN 'canceled' THEN 'Canceled' END ORDER BY id) AS words,
                       array_agg(CASE WHEN fate <> 'failed' THEN 1000::bigint END ORDER BY id) AS starts,
                       max(at) + interval '3 hours' AS at
                FROM (SELECT *, (row_number() OVER (ORDER BY id) - 1) / 2000 AS b FROM seed_o) s GROUP BY b ORDER BY b) x,
                LATERAL fulfillment_finish_orders(x.ids, x.statuses, x.remains, x.errors, x.at, NULL, x.words, x.starts) f
            """);
        // The panel sends the notifications; retention deletes the sent ones past 90 days.
        await Step(
            "UPDATE notifications n SET sent_at = n.created_at + interval '1 minute' FROM seed_o s WHERE n.order_id = s.id AND n.sent_at IS NULL",
            "DELETE FROM notifications n USING seed_o s WHERE n.order_id = s.id AND n.created_at < now() - interval '90 days'");
        await using var drop = new NpgsqlCommand("DROP TABLE seed_o", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
