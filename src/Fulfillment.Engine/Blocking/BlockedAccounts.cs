using Fulfillment.Data.Entities;
using Fulfillment.Engine.Configuration;
using Fulfillment.Engine.Database;
using Fulfillment.Engine.Lifecycle;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Fulfillment.Engine.Blocking;

/// <summary>
/// What follows block_user (mix-smm.ru ToS 4.6, 7.2): the account's orders are closed (<see cref="AccountOrders"/>: unsent ones
/// canceled and refunded, started ones asked to stop where they can be), and the balance (including refunds that arrive later) is
/// forfeited when the policy says so.
/// Every step is a ledger row or an order_events row.
/// </summary>
public sealed class BlockedAccounts(NpgsqlDataSource db, IOptions<RequestOptions> options, TimeProvider clock, ILogger<BlockedAccounts> logger)
{
    private const string Blocked = "u.status = 'blocked'";

    /// <summary>Blocked accounts with something left to do. Public so the plan tests run this text.</summary>
    public static readonly string FindSql = $"""
        SELECT u.id FROM users u
        WHERE u.status = 'blocked' AND (u.block_handled_at IS NULL OR u.balance > 0 OR {AccountOrders.SomethingLeft})
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
        // Orders not yet sent are canceled and refunded (ToS 4.6); started ones are asked to stop at the provider.
        var canceled = (long)await AccountOrders.CancelUnsentAsync(connection, transaction, accounts, Blocked, "Canceled: the account was blocked.",
            UserReason.AccountBlocked, now, ct);
        await AccountOrders.AskProviderCancelsAsync(connection, transaction, accounts, Blocked, "the account was blocked.", UserReason.AccountBlocked,
            now, ct);
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
