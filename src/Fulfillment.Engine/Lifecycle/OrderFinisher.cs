using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Fulfillment.Engine.Lifecycle;

/// <summary>
/// A terminal outcome for one order, applied by <c>fulfillment_finish_orders</c>; the provider's last
/// status and start count, when given, are recorded on the order in the same update.
/// </summary>
/// <param name="Error">For operators (<c>orders.error</c>): may name the provider and quote it.</param>
/// <param name="Reason">For the user (<see cref="UserReason"/>); null picks the status's own.</param>
/// <param name="PostsServed">A subscription's posts served, from the answer that ends it: recorded first, then refunded by (never lowering the count).</param>
/// <param name="ResultJson">What orders.result becomes (a subscription's posts and child orders), or null to keep it.</param>
/// <param name="ProviderCharge">What the provider charged (an in-progress order's last status answer), written before it finishes.</param>
public sealed record Finish(long OrderId, string Status, long? Remains, string? Error, object? Detail = null,
    string? ProviderStatus = null, long? StartCount = null, string? Reason = null, int? PostsServed = null, string? ResultJson = null,
    decimal? ProviderCharge = null, string? ProviderCurrency = null);

/// <summary>
/// Moves orders to a terminal state through the one SQL function that does it: terminal status,
/// refund ledger row, balance, audit event and notification commit together, and a second
/// finish of the same order changes nothing. The refund amount is computed there, never here.
/// </summary>
public static class OrderFinisher
{
    /// <summary>
    /// Adds one statement finishing all <paramref name="finishes"/> as a set: the function locks the
    /// orders in id order, and the users' balance rows in id order only for its last statements, so
    /// two finishing transactions never deadlock on each other and hold the balance rows briefly.
    /// </summary>
    public static void AddTo(NpgsqlBatch batch, IReadOnlyCollection<Finish> finishes, DateTimeOffset now)
    {
        if (finishes.Count == 0)
        {
            return;
        }

        var command = new NpgsqlBatchCommand("SELECT count(*) FROM fulfillment_finish_orders($1, $2, $3, $4, $6, $5, $7, $8, $9, $10, $11)");
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
        command.Parameters.Add(new() { Value = finishes.Select(f => f.ProviderStatus).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = finishes.Select(f => f.StartCount).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        command.Parameters.Add(new() { Value = finishes.Select(f => f.Reason).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = finishes.Select(f => f.PostsServed).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
        command.Parameters.Add(new() { Value = finishes.Select(f => f.ResultJson).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        batch.BatchCommands.Add(command);
    }
}
