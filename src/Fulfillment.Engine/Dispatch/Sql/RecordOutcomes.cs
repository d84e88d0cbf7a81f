using Fulfillment.Data.Entities;
using Fulfillment.Engine.Database;
using Fulfillment.Engine.Lifecycle;
using Npgsql;

namespace Fulfillment.Engine.Dispatch.Sql;

/// <summary>
/// Records add outcomes in one transaction. Every answer lands on its attempt. Only orders still <c>dispatching</c> under this
/// instance's claim take their move; an answer for an order that moved on meanwhile (recovered to review, say) is a late answer:
/// kept in the order's events, and an accepted one tracks an order in review (or waiting to be sent again) instead, since the
/// provider has it. Returns the late answers.
/// </summary>
public static class RecordOutcomes
{
    public static async Task<IReadOnlyList<SendResult>> RecordAsync(NpgsqlDataSource db, Guid instance, IReadOnlyCollection<SendResult> results,
        DateTimeOffset now, CancellationToken ct)
    {
        if (results.Count == 0)
        {
            return [];
        }

        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var ours = await LockOursAsync(connection, transaction, instance, [.. results.Select(r => r.OrderId)], ct);
        var late = results.Where(r => !ours.Contains(r.OrderId)).ToList();
        await using var batch = new NpgsqlBatch(connection, transaction);
        AttemptWriter.Answer(batch, [.. results.Select(r => r.Answer)], now);
        OrderWriter.AddTo(batch, [.. results.Where(r => ours.Contains(r.OrderId)).Select(r => r.Change),
            .. late.Select(r => r.Change).OfType<OrderChange.Accepted>().Select(a => new OrderChange.Retracked(a.OrderId, a.ProviderOrderId, a.NextCheckAt, a.ResultJson))], now);
        foreach (var answer in late)
        {
            OrderWriter.Event(batch, answer.OrderId, "late_answer", now,
                new { outcome = OrderChange.Describe(answer.Change), attempt = answer.Answer.AttemptId, instance = instance.ToString() });
        }

        await batch.ExecuteNonQueryAsync(ct);
        await transaction.CommitAsync(ct);
        return late;
    }

    /// <summary>The orders still dispatching under this instance's claim, locked: only these take the move their answer decided.</summary>
    private static async Task<HashSet<long>> LockOursAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid instance, long[] ids,
        CancellationToken ct)
    {
        var ours = new HashSet<long>();
        await using var command = new NpgsqlCommand($"""
            SELECT id FROM orders WHERE id = ANY($1) AND status = '{OrderStatus.Dispatching}' AND claimed_by = $2 ORDER BY id FOR NO KEY UPDATE
            """, connection, transaction);
        command.Parameters.Add(new() { Value = ids });
        command.Parameters.Add(new() { Value = instance });
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            ours.Add(reader.Value<long>("id"));
        }

        return ours;
    }
}
