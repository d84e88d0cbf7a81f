using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Fulfillment.Engine.Orders;

/// <summary>Appends to <c>order_events</c>, the audit trail of every state change.</summary>
public static class OrderEvents
{
    public static void AddTo(NpgsqlBatch batch, long orderId, string kind, DateTimeOffset at, object detail)
    {
        var command = new NpgsqlBatchCommand("INSERT INTO order_events (order_id, at, kind, detail) VALUES ($1, $2, $3, $4)");
        command.Parameters.Add(new() { Value = orderId });
        command.Parameters.Add(new() { Value = at });
        command.Parameters.Add(new() { Value = kind });
        command.Parameters.Add(new() { Value = JsonSerializer.Serialize(detail), NpgsqlDbType = NpgsqlDbType.Jsonb });
        batch.BatchCommands.Add(command);
    }
}
