using Fulfillment.Engine.Database;
using Fulfillment.Engine.Lifecycle;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Fulfillment.Engine.Blocking;

/// <summary>
/// Accounts that go away (deleted by the panel, anonymised, or with an erasure requested) close their orders as a block does
/// (<see cref="AccountOrders"/>), without forfeiting anything: a subscription or a drip-feed would otherwise go on delivering to an
/// account nobody holds, and an erasure could not finish until it ended by itself. The erasure completes once they have ended.
/// </summary>
public sealed class DepartedAccounts(NpgsqlDataSource db, TimeProvider clock, ILogger<DepartedAccounts> logger)
{
    /// <summary>The account's row <c>u</c> is going away (a blocked one is the block's business).</summary>
    private const string Departing = AccountStates.Departing;

    private static readonly string FindSql = $"SELECT u.id FROM users u WHERE {Departing} AND {AccountOrders.SomethingLeft} ORDER BY u.id";

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

        var canceled = 0L;
        await RowByRow.WriteAsync(accounts, async some => canceled += await CloseAsync([.. some], now, ct),
            (_, _) => Task.CompletedTask, id => $"departed account {id}", logger, "Closing the orders of departed accounts");
        if (accounts.Count > 0)
        {
            logger.LogInformation("Departed accounts: {Accounts} closed, {Canceled} order(s) not sent canceled, started ones asked to stop",
                accounts.Count, canceled);
        }
    }

    private async Task<int> CloseAsync(long[] accounts, DateTimeOffset now, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var canceled = await AccountOrders.CancelUnsentAsync(connection, transaction, accounts, Departing,
            "Canceled: the account was deleted or its erasure requested.", UserReason.NotDelivered, now, ct);
        await AccountOrders.AskProviderCancelsAsync(connection, transaction, accounts, Departing, "the account was deleted or its erasure requested.",
            UserReason.NotDelivered, now, ct);
        await transaction.CommitAsync(ct);
        return canceled;
    }
}
