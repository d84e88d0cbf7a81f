using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Fulfillment.Engine.Orders;

/// <summary>A terminal outcome for one order, applied by <c>fulfillment_finish_order</c>.</summary>
public sealed record Finish(long OrderId, string Status, long? Remains, string? Error, object? Detail = null);

/// <summary>
/// Moves orders to a terminal state through the one SQL function that does it: terminal status,
/// refund ledger row, balance, audit event and notification commit together, and a second
/// finish of the same order changes nothing. The refund amount is computed there, never here.
/// </summary>
public static class OrderFinisher
{
    public static void AddTo(NpgsqlBatch batch, Finish finish, DateTimeOffset now)
    {
        var command = new NpgsqlBatchCommand("SELECT fulfillment_finish_order($1, $2, $3, $4, $5, $6)");
        command.Parameters.Add(new() { Value = finish.OrderId });
        command.Parameters.Add(new() { Value = finish.Status });
        command.Parameters.Add(new() { Value = (object?)finish.Remains ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new() { Value = (object?)finish.Error ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = now });
        command.Parameters.Add(new() { Value = JsonSerializer.Serialize(finish.Detail ?? new { }), NpgsqlDbType = NpgsqlDbType.Jsonb });
        batch.BatchCommands.Add(command);
    }

    public static async Task FinishAsync(NpgsqlDataSource db, IReadOnlyCollection<Finish> finishes, DateTimeOffset now, CancellationToken ct)
    {
        if (finishes.Count == 0)
        {
            return;
        }

        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var finish in finishes)
        {
            AddTo(batch, finish, now);
        }

        await batch.ExecuteNonQueryAsync(ct);
        await transaction.CommitAsync(ct);
    }
}
