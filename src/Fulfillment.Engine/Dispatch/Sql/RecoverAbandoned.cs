using Fulfillment.Data.Entities;
using Fulfillment.Engine.Database;
using Fulfillment.Engine.Lifecycle;
using Fulfillment.Engine.Lifecycle.Decisions;
using Npgsql;

namespace Fulfillment.Engine.Dispatch.Sql;

/// <summary>
/// Orders left <c>dispatching</c> by an instance that is gone (no fresh heartbeat) and untouched since a stale time, or untouched
/// since the abandoned time whatever their instance: back to pending when no attempt of theirs is sending (they provably never
/// left), else review, their sending attempt unknown (<see cref="Recovery"/>).
/// </summary>
public static class RecoverAbandoned
{
    private const string Lost = "The engine stopped after sending and before recording the answer.";

    public static async Task<(int Requeued, int Review)> RecoverAsync(NpgsqlDataSource db, DateTimeOffset staleBefore, DateTimeOffset abandonedBefore,
        DateTimeOffset now, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var abandoned = new List<long>();
        await using (var command = new NpgsqlCommand($"""
            SELECT o.id FROM orders o
            WHERE o.status = '{OrderStatus.Dispatching}'
              AND ((o.updated_at < $1 AND NOT EXISTS (SELECT 1 FROM engine_instances i WHERE i.id = o.claimed_by AND i.heartbeat_at >= $1))
                   OR o.updated_at < $2)
            ORDER BY o.id
            FOR NO KEY UPDATE OF o SKIP LOCKED
            """, connection, transaction))
        {
            command.Parameters.Add(new() { Value = staleBefore });
            command.Parameters.Add(new() { Value = abandonedBefore });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                abandoned.Add(reader.Value<long>("id"));
            }
        }

        // A statement of its own, after the locks: a mark holds the order's lock until it commits, and a lock (unlike an update)
        // does not make a waiting statement read the row again, so only a snapshot taken now sees every attempt marked.
        var changes = new List<OrderChange>();
        await using (var command = new NpgsqlCommand($"""
            SELECT a.id, EXISTS (SELECT 1 FROM order_attempts t WHERE t.order_id = a.id AND t.outcome = '{AttemptOutcome.Sending}') AS sending
            FROM unnest($1::bigint[]) AS a(id) ORDER BY a.id
            """, connection, transaction))
        {
            command.Parameters.Add(new() { Value = abandoned.ToArray() });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                changes.Add(Recovery.Decide(reader.Value<long>("id"), reader.Value<bool>("sending")));
            }
        }

        if (changes.Count > 0)
        {
            await using var batch = new NpgsqlBatch(connection, transaction);
            AttemptWriter.Lost(batch, [.. changes.OfType<OrderChange.ToReview>().Select(c => c.OrderId)], Lost, now);
            OrderWriter.AddTo(batch, changes, now);
            await batch.ExecuteNonQueryAsync(ct);
        }

        await transaction.CommitAsync(ct);
        return (changes.Count(c => c is OrderChange.ReleasedUnsent), changes.Count(c => c is OrderChange.ToReview));
    }
}
