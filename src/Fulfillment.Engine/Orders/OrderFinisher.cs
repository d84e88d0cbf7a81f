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
    /// <summary>
    /// Adds one statement finishing all <paramref name="finishes"/>, in (user, order) order: every
    /// transaction that finishes orders locks the users' balance rows in the same order, so two of
    /// them can never deadlock on each other.
    /// </summary>
    public static void AddTo(NpgsqlBatch batch, IReadOnlyCollection<Finish> finishes, DateTimeOffset now)
    {
        if (finishes.Count == 0)
        {
            return;
        }

        var command = new NpgsqlBatchCommand("""
            SELECT fulfillment_finish_order(f.id, f.status, f.remains, f.error, $6, f.detail)
            FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::jsonb[]) AS f(id, status, remains, error, detail)
            JOIN orders o ON o.id = f.id
            ORDER BY o.user_id, o.id
            """);
        command.Parameters.Add(new() { Value = finishes.Select(f => f.OrderId).ToArray() });
        command.Parameters.Add(new() { Value = finishes.Select(f => f.Status).ToArray() });
        command.Parameters.Add(new() { Value = finishes.Select(f => f.Remains).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        command.Parameters.Add(new() { Value = finishes.Select(f => f.Error).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new()
        {
            Value = finishes.Select(f => JsonSerializer.Serialize(f.Detail ?? new { })).ToArray(),
            NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb,
        });
        command.Parameters.Add(new() { Value = now });
        batch.BatchCommands.Add(command);
    }
}
