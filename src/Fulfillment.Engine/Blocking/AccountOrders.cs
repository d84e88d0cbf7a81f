using Fulfillment.Data.Entities;
using Fulfillment.Engine.Lifecycle;
using Npgsql;

namespace Fulfillment.Engine.Blocking;

/// <summary>
/// What closing an account does to its orders, the same for a block and for an account that goes away: orders not yet sent are
/// canceled and refunded (through the one writer), and a provider cancel is asked for every started order whose service allows
/// it, every started subscription (it would otherwise deliver for weeks) and every running emulated drip-feed (closed by
/// fulfillment_close_parents when the drip-feed pass honours the request).
/// </summary>
internal static class AccountOrders
{
    /// <summary>The started orders a closing account's cancel is asked for (alias <c>o</c>, its service <c>s</c>).</summary>
    public const string Cancelable = "(s.cancel OR o.charged_posts IS NOT NULL OR o.emulated_runs IS NOT NULL)";

    /// <summary>Cancels the unsent orders of <paramref name="accounts"/> (those a claim holds right now are left to the next pass).</summary>
    /// <param name="stillClosing">SQL over the account's row <c>u</c>: it is still closing (a block lifted meanwhile cancels nothing).</param>
    public static async Task<int> CancelUnsentAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long[] accounts, string stillClosing,
        string error, string reason, DateTimeOffset now, CancellationToken ct)
    {
        var unsent = new List<long>();
        await using (var select = new NpgsqlCommand($"""
            SELECT o.id FROM orders o JOIN users u ON u.id = o.user_id
            WHERE u.id = ANY($1) AND {stillClosing} AND o.status IN {OrderLifecycle.InList([OrderStatus.Pending, OrderStatus.Held])}
              AND NOT {AttemptWriter.HasOpenAttempt("o")}
            ORDER BY o.id
            FOR NO KEY UPDATE OF o SKIP LOCKED
            """, connection, transaction))
        {
            select.Parameters.Add(new() { Value = accounts });
            await using var reader = await select.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                unsent.Add(reader.GetInt64(0));
            }
        }

        if (unsent.Count > 0)
        {
            await using var batch = new NpgsqlBatch(connection, transaction);
            OrderWriter.AddTo(batch, [.. unsent.Select(id => new OrderChange.Finished(new Finish(id, OrderStatus.Canceled, null, error,
                new { reason = error }, Reason: reason)))], now);
            await batch.ExecuteNonQueryAsync(ct);
        }

        return unsent.Count;
    }

    /// <summary>
    /// Asks the provider to cancel the started orders of <paramref name="accounts"/> that can be (<see cref="Cancelable"/>), once each. The
    /// request carries the user-facing <paramref name="reason"/>: an emulated drip-feed parent it stops is finished for the account's
    /// closing, not as its user's own cancel.
    /// </summary>
    public static async Task AskProviderCancelsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long[] accounts, string stillClosing,
        string why, string reason, DateTimeOffset now, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"""
            WITH started AS (
                SELECT o.id FROM orders o
                JOIN users u ON u.id = o.user_id
                JOIN services s ON s.id = o.service_id
                WHERE u.id = ANY($2) AND {stillClosing} AND o.status = '{OrderStatus.InProgress}' AND {Cancelable}
                  AND NOT EXISTS (SELECT 1 FROM order_requests r WHERE r.order_id = o.id AND r.kind = '{OrderRequestKind.Cancel}')),
            requested AS (
                INSERT INTO order_requests (order_id, kind, message, reason, created_at, updated_at)
                SELECT id, '{OrderRequestKind.Cancel}', 'Requested by the engine: ' || $3, $4, $1, $1 FROM started
                RETURNING order_id, id)
            INSERT INTO order_events (order_id, at, kind, detail)
            SELECT order_id, $1, 'cancel_requested', jsonb_build_object('request_id', id, 'reason', $3) FROM requested
            """, connection, transaction);
        command.Parameters.Add(new() { Value = now });
        command.Parameters.Add(new() { Value = accounts });
        command.Parameters.Add(new() { Value = why });
        command.Parameters.Add(new() { Value = reason });
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>SQL: whether account <c>u</c> still has something to close (an unsent order, or a started one not yet asked to stop).</summary>
    public static readonly string SomethingLeft = $"""
        (EXISTS (SELECT 1 FROM orders o WHERE o.user_id = u.id AND o.status IN ('{OrderStatus.Pending}', '{OrderStatus.Held}') AND NOT {AttemptWriter.HasOpenAttempt("o")})
         OR EXISTS (SELECT 1 FROM orders o JOIN services s ON s.id = o.service_id
                    WHERE o.user_id = u.id AND o.status = '{OrderStatus.InProgress}' AND {Cancelable}
                      AND NOT EXISTS (SELECT 1 FROM order_requests r WHERE r.order_id = o.id AND r.kind = '{OrderRequestKind.Cancel}')))
        """;
}
