using Fulfillment.Engine.Lifecycle;
using Npgsql;

namespace Fulfillment.Engine.Dispatch.Sql;

/// <summary>
/// The last write before the adds leave, for a batch claimed ahead: one attempt per order still held here (<see cref="AttemptWriter.Start"/>).
/// A block or a cancel that arrived since the claim wins: those orders get no attempt, go back to pending, and the next claim
/// cancels them. An order still dispatching without a sending attempt after a crash provably never reached the provider.
/// </summary>
public static class MarkSending
{
    /// <summary>Returns each marked order's attempt: only these may be sent.</summary>
    public static async Task<Dictionary<long, long>> MarkAsync(NpgsqlDataSource db, Guid instance, IReadOnlyCollection<AttemptStart> starts,
        DateTimeOffset now, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using var batch = new NpgsqlBatch(connection, transaction);
        AttemptWriter.Start(batch, instance, starts, now);
        var attempts = await ReadAttemptsAsync(batch, ct);
        await transaction.CommitAsync(ct);
        return attempts;
    }

    /// <summary>Runs a batch whose only result set is <see cref="AttemptWriter.Start"/>'s (id, order_id) rows.</summary>
    public static async Task<Dictionary<long, long>> ReadAttemptsAsync(NpgsqlBatch batch, CancellationToken ct)
    {
        var attempts = new Dictionary<long, long>();
        await using var reader = await batch.ExecuteReaderAsync(ct);
        do
        {
            while (await reader.ReadAsync(ct))
            {
                if (reader.FieldCount == 2 && reader.GetName(0) == "id" && reader.GetName(1) == "order_id")
                {
                    attempts[reader.GetInt64(1)] = reader.GetInt64(0);
                }
            }
        }
        while (await reader.NextResultAsync(ct));

        return attempts;
    }
}
