using Fulfillment.Data.Entities;
using Fulfillment.Engine.Configuration;
using Fulfillment.Engine.Database;
using Fulfillment.Engine.Lifecycle;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Fulfillment.Engine.Blocking;

/// <summary>
/// What follows block_user (mix-smm.ru ToS 4.6, 7.2): the account's orders not yet sent are
/// canceled and refunded, a provider cancel is requested for started orders whose service allows
/// it and for every started subscription (which would otherwise deliver for weeks), and the balance
/// (including refunds that arrive later) is forfeited when the policy says so.
/// Every step is a ledger row or an order_events row.
/// </summary>
public sealed class BlockedAccounts(NpgsqlDataSource db, IOptions<RequestOptions> options, TimeProvider clock, ILogger<BlockedAccounts> logger)
{
    /// <summary>Blocked accounts with something left to do. Public so the plan tests run this text.</summary>
    public const string FindSql = """
        SELECT u.id FROM users u
        WHERE u.status = 'blocked'
          AND (u.block_handled_at IS NULL OR u.balance > 0
               OR EXISTS (SELECT 1 FROM orders o WHERE o.user_id = u.id AND o.status IN ('pending', 'held'))
               OR EXISTS (SELECT 1 FROM orders o JOIN services s ON s.id = o.service_id
                          WHERE o.user_id = u.id AND o.status = 'in_progress' AND (s.cancel OR o.charged_posts IS NOT NULL)
                            AND NOT EXISTS (SELECT 1 FROM order_requests r WHERE r.order_id = o.id AND r.kind = 'cancel')))
        ORDER BY u.id
        """;

    public async Task RunAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var accounts = new List<long>();
        await using (var find = db.CreateCommand(FindSql))
        {
            await using var reader = await find.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                accounts.Add(reader.GetInt64(0));
            }
        }

        // One account the database refuses (a row a careless panel broke) fails alone; the others are handled.
        var canceled = 0L;
        var forfeited = 0L;
        await RowByRow.WriteAsync(accounts, async some =>
            {
                var (c, f) = await HandleAsync([.. some], now, ct);
                canceled += c;
                forfeited += f;
            },
            (_, _) => Task.CompletedTask, id => $"blocked account {id}", logger, "Handling blocked accounts");
        if (canceled + forfeited > 0)
        {
            logger.LogInformation("Blocked accounts: {Canceled} order(s) canceled, {Forfeited} balance(s) forfeited", canceled, forfeited);
        }
    }

    private async Task<(long Canceled, long Forfeited)> HandleAsync(long[] accounts, DateTimeOffset now, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        // Orders not yet sent are canceled and refunded (ToS 4.6), through the one writer of order transitions.
        var unsent = new List<long>();
        await using (var select = new NpgsqlCommand($"""
            SELECT o.id FROM orders o JOIN users u ON u.id = o.user_id
            WHERE u.id = ANY($1) AND u.status = '{UserStatus.Blocked}' AND o.status IN {OrderLifecycle.InList([OrderStatus.Pending, OrderStatus.Held])}
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
            OrderWriter.AddTo(batch, unsent.Select(id => (OrderChange)new OrderChange.Finished(new Finish(id, OrderStatus.Canceled, null,
                "Canceled: the account was blocked.", new { reason = "account blocked" }, Reason: UserReason.AccountBlocked))).ToList(), now);
            await batch.ExecuteNonQueryAsync(ct);
        }

        var canceled = (long)unsent.Count;
        await Scalar(connection, transaction, """
            WITH started AS (
                SELECT o.id FROM orders o
                JOIN users u ON u.id = o.user_id
                JOIN services s ON s.id = o.service_id
                WHERE u.id = ANY($2) AND u.status = 'blocked' AND o.status = 'in_progress' AND (s.cancel OR o.charged_posts IS NOT NULL)
                  AND NOT EXISTS (SELECT 1 FROM order_requests r WHERE r.order_id = o.id AND r.kind = 'cancel')),
            requested AS (
                INSERT INTO order_requests (order_id, kind, message, created_at, updated_at)
                SELECT id, 'cancel', 'Requested by the engine: the account was blocked.', $1, $1 FROM started
                RETURNING order_id, id)
            INSERT INTO order_events (order_id, at, kind, detail)
            SELECT order_id, $1, 'cancel_requested', jsonb_build_object('request_id', id, 'reason', 'account blocked') FROM requested
            """, ct, now, accounts);
        var forfeited = 0L;
        if (options.Value.ForfeitBlockedBalance)
        {
            forfeited = (long)(await Scalar(connection, transaction, """
                -- The ledger is append-only: its reference never carries the block's free-text reason (erasure could not remove it).
                SELECT count(fulfillment_post_ledger(id, NULL, 'forfeit', -balance, 'account blocked'))
                FROM (SELECT id, balance FROM users WHERE id = ANY($1) AND status = 'blocked' AND balance > 0 ORDER BY id FOR UPDATE SKIP LOCKED) u
                """, ct, accounts))!;
        }

        await Scalar(connection, transaction, "UPDATE users SET block_handled_at = $1 WHERE id = ANY($2) AND status = 'blocked' AND block_handled_at IS NULL",
            ct, now, accounts);
        await transaction.CommitAsync(ct);
        return (canceled, forfeited);
    }

    private static async Task<object?> Scalar(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken ct, params object[] values)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        return await command.ExecuteScalarAsync(ct);
    }
}
