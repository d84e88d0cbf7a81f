using Fulfillment.Engine.Lifecycle;
using Npgsql;

namespace Fulfillment.Engine.Dispatch.Sql;

/// <summary>Orders this instance claimed and never marked sending go back to pending: they provably never left.</summary>
public static class ReleaseUnsent
{
    /// <summary>Returns how many went back.</summary>
    public static async Task<int> ReleaseAsync(NpgsqlDataSource db, Guid instance, long[] orderIds, DateTimeOffset now, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(connection);
        OrderWriter.AddTo(batch, [.. orderIds.Select(id => new OrderChange.ReleasedUnsent(id, instance, "claimed ahead and not sent"))], now);
        return await batch.ExecuteNonQueryAsync(ct); // one event per order released
    }
}
