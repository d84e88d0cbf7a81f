using System.Text.Json;
using Fulfillment.Data.Entities;
using Fulfillment.Engine.Database;
using Npgsql;
using NpgsqlTypes;

namespace Fulfillment.Engine.Lifecycle;

/// <summary>
/// Puts orders in <c>review</c>, where a person decides (release_order): the one way every stage does it,
/// with the reason on the order and an audit event. Only orders still in <paramref name="from"/> move.
/// </summary>
public static class OrderReviews
{
    public static void AddTo(NpgsqlBatch batch, IReadOnlyCollection<OrderChange.ToReview> reviews, string from, DateTimeOffset now)
    {
        if (reviews.Count == 0)
        {
            return;
        }

        // An order the provider is known to have gets its own event kind: release_order refuses to send it again (provider_has_order).
        var command = new NpgsqlBatchCommand($"""
            WITH moved AS (
                UPDATE orders o SET status = '{OrderStatus.Review}', error = r.reason, claimed_by = NULL, updated_at = $3
                FROM unnest($1::bigint[], $2::text[], $5::boolean[]) AS r(id, reason, provider_has_it)
                WHERE o.id = r.id AND o.status = $4 AND $4 IN {OrderLifecycle.ToReview.FromSql}
                RETURNING o.id, r.reason, r.provider_has_it)
            INSERT INTO order_events (order_id, at, kind, detail)
            SELECT id, $3, CASE WHEN provider_has_it THEN 'accepted_unusable' ELSE 'review' END, jsonb_build_object('reason', reason, 'from', $4::text)
            FROM moved
            """);
        command.Parameters.Add(new() { Value = reviews.Select(r => r.OrderId).ToArray() });
        command.Parameters.Add(new() { Value = reviews.Select(r => r.Reason).ToArray() });
        command.Parameters.Add(new() { Value = now });
        command.Parameters.Add(new() { Value = from });
        command.Parameters.Add(new() { Value = reviews.Select(r => r.ProviderHasIt).ToArray() });
        batch.BatchCommands.Add(command);
    }

    /// <summary>
    /// An order whose own write was refused (<see cref="RowByRow"/>): to review, in a transaction of its
    /// own, with the reason and what was known, so a person sees it and nothing waits behind it.
    /// </summary>
    public static async Task PutAsideAsync(NpgsqlDataSource db, long orderId, string from, string reason, DateTimeOffset now, object? known = null)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var batch = new NpgsqlBatch(connection, transaction);
        AddTo(batch, [new OrderChange.ToReview(orderId, from, reason)], from, now);
        if (known is not null)
        {
            var command = new NpgsqlBatchCommand("INSERT INTO order_events (order_id, at, kind, detail) VALUES ($1, $2, 'put_aside', $3)");
            command.Parameters.Add(new() { Value = orderId });
            command.Parameters.Add(new() { Value = now });
            command.Parameters.Add(new() { Value = JsonSerializer.Serialize(known), NpgsqlDbType = NpgsqlDbType.Jsonb });
            batch.BatchCommands.Add(command);
        }

        await batch.ExecuteNonQueryAsync();
        await transaction.CommitAsync();
    }
}
