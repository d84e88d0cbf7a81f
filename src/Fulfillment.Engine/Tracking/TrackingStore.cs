using Fulfillment.Data.Entities;
using Fulfillment.Engine.Database;
using Fulfillment.Engine.Lifecycle;
using Npgsql;

namespace Fulfillment.Engine.Tracking;

/// <summary>The SQL of status tracking: claim due orders with a lease, record progress and finishes.</summary>
public sealed class TrackingStore(NpgsqlDataSource db)
{
    /// <summary>
    /// The tracking claim: $1 now, $2 the batch size, $3 the lease's end, $4 the provider kind. Public so the plan
    /// tests run this text.
    /// </summary>
    public static readonly string ClaimDueSql = $"""
            WITH due AS MATERIALIZED (
                SELECT o.id FROM orders o LEFT JOIN providers pk ON pk.id = o.provider_id
                WHERE o.status IN {OrderLifecycle.Progress.FromSql} AND o.next_check_at <= $1 AND coalesce(pk.kind, '{ProviderKind.SmmV2}') = $4
                ORDER BY o.next_check_at
                LIMIT $2
                FOR NO KEY UPDATE OF o SKIP LOCKED),
            leased AS (
                UPDATE orders o SET next_check_at = $3 FROM due WHERE o.id = due.id
                RETURNING o.id, o.provider_id, o.provider_order_id, o.quantity, coalesce(o.dispatched_at, o.created_at) AS dispatched_at,
                          o.result::text AS result, o.charged_posts, o.posts_served, o.unknown_answers)
            SELECT l.id, l.provider_order_id, l.quantity, l.dispatched_at, l.result, l.charged_posts, l.posts_served, l.unknown_answers,
                   {ProviderColumns.Select("p", "p_")}
            FROM leased l LEFT JOIN providers p ON p.id = l.provider_id
            """;

    /// <summary>Claims due orders by moving their next check a lease ahead, so nobody else polls them meanwhile.</summary>
    /// <param name="kind">Orders of this provider kind only (an order without a provider counts as smm_v2).</param>
    public async Task<IReadOnlyList<TrackedOrder>> ClaimDueAsync(string kind, DateTimeOffset now, int limit, TimeSpan lease, CancellationToken ct)
    {
        await using var command = db.CreateCommand(ClaimDueSql);
        command.Parameters.Add(new() { Value = now });
        command.Parameters.Add(new() { Value = limit });
        command.Parameters.Add(new() { Value = now + lease });
        command.Parameters.Add(new() { Value = kind });
        var orders = new List<TrackedOrder>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            orders.Add(new TrackedOrder(reader.Value<long>("id"), ProviderColumns.Read(reader, "p_"), reader.Text("provider_order_id"),
                reader.Value<int>("quantity"), reader.Value<DateTimeOffset>("dispatched_at"), reader.Text("result"),
                reader.Maybe<int>("charged_posts"), reader.Maybe<int>("posts_served"), reader.Value<int>("unknown_answers")));
        }

        return orders;
    }

    /// <summary>Records what checks decided (progress, finishes, reviews) in one transaction, through the one writer.</summary>
    public async Task RecordAsync(IReadOnlyCollection<OrderChange> changes, DateTimeOffset now, CancellationToken ct)
    {
        if (changes.Count == 0)
        {
            return;
        }

        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using var batch = new NpgsqlBatch(connection, transaction);
        OrderWriter.AddTo(batch, changes, now);
        await batch.ExecuteNonQueryAsync(ct);
        await transaction.CommitAsync(ct);
    }

    /// <summary>An order whose own answer the database refused goes to review alone, with the reason (<see cref="RowByRow"/>).</summary>
    public Task PutAsideAsync(long orderId, string reason, DateTimeOffset now) => OrderReviews.PutAsideAsync(db, orderId, OrderStatus.InProgress, reason, now);
}
