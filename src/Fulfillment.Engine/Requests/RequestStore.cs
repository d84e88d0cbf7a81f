using Fulfillment.Data.Entities;
using Fulfillment.Engine.Database;
using Fulfillment.Engine.Lifecycle;
using Npgsql;

namespace Fulfillment.Engine.Requests;

/// <summary>The SQL of order_requests: claim with a lease, record results.</summary>
public sealed class RequestStore(NpgsqlDataSource db)
{
    /// <summary>
    /// Claims open requests that are due: pending ones, and sent ones to follow up. The lease
    /// (next_attempt_at) keeps other instances off them while their provider call is in flight.
    /// </summary>
    public async Task<IReadOnlyList<ClaimedRequest>> ClaimDueAsync(DateTimeOffset now, int limit, TimeSpan lease, CancellationToken ct)
    {
        await using var command = db.CreateCommand($"""
            WITH due AS MATERIALIZED (
                SELECT id FROM order_requests
                WHERE status IN ('pending', 'sent') AND (next_attempt_at IS NULL OR next_attempt_at <= $1)
                  -- An emulated drip-feed's cancel is the drip-feed pass's (in review, once it is released): it settles the request.
                  AND NOT (kind = 'cancel' AND EXISTS (SELECT 1 FROM orders p WHERE p.id = order_requests.order_id
                                                      AND p.emulated_runs IS NOT NULL AND p.status NOT IN {OrderLifecycle.TerminalSql}))
                ORDER BY id
                LIMIT $2
                FOR NO KEY UPDATE SKIP LOCKED),
            leased AS (
                UPDATE order_requests r SET next_attempt_at = $3, attempts = attempts + 1 FROM due WHERE r.id = due.id
                RETURNING r.id, r.kind, r.status, r.provider_ref, r.attempts, r.order_id, r.sending_at)
            SELECT l.id, l.kind, l.status, l.provider_ref, l.attempts, o.id AS order_id, o.status AS order_status, o.provider_order_id,
                   coalesce(s.cancel, false) AS service_cancel, coalesce(s.refill, false) AS service_refill,
                   {ProviderColumns.Select("p", "p_")},
                   l.status = 'pending' AND l.sending_at IS NOT NULL AS maybe_sent,
                   o.charged_posts IS NOT NULL AS subscription,
                   coalesce({AccountStates.Closing}, false) AS account_closing
            FROM leased l
            JOIN orders o ON o.id = l.order_id
            LEFT JOIN users u ON u.id = o.user_id
            LEFT JOIN services s ON s.id = o.service_id
            LEFT JOIN providers p ON p.id = coalesce(o.provider_id, s.provider_id)
            ORDER BY l.id
            """);
        command.Parameters.Add(new() { Value = now });
        command.Parameters.Add(new() { Value = limit });
        command.Parameters.Add(new() { Value = now + lease });
        var requests = new List<ClaimedRequest>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            requests.Add(new ClaimedRequest(reader.Value<long>("id"), reader.Value<string>("kind"), reader.Value<string>("status"), reader.Text("provider_ref"),
                reader.Value<int>("attempts"), reader.Value<long>("order_id"), reader.Value<string>("order_status"), reader.Text("provider_order_id"),
                reader.Value<bool>("service_cancel"), reader.Value<bool>("service_refill"), ProviderColumns.Read(reader, "p_"), reader.Value<bool>("maybe_sent"),
                reader.Value<bool>("subscription"), reader.Value<bool>("account_closing")));
        }

        return requests;
    }

    public async Task RecordAsync(IReadOnlyCollection<RequestUpdate> updates, IReadOnlyCollection<Finish> finishes, DateTimeOffset now, CancellationToken ct)
    {
        if (updates.Count + finishes.Count == 0)
        {
            return;
        }

        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using var batch = new NpgsqlBatch(connection, transaction);
        OrderFinisher.AddTo(batch, finishes, now);

        foreach (var update in updates)
        {
            // Only the claim that sent it records it; back to pending means it may be sent again, so the mark goes.
            var command = new NpgsqlBatchCommand("""
                UPDATE order_requests SET status = $2, provider_ref = coalesce($3, provider_ref), message = coalesce($4, message),
                    next_attempt_at = $5, updated_at = $6, sending_at = CASE WHEN $2 = 'pending' THEN NULL ELSE sending_at END
                WHERE id = $1 AND attempts = $7
                """);
            command.Parameters.Add(new() { Value = update.Id });
            command.Parameters.Add(new() { Value = update.Status });
            command.Parameters.Add(new() { Value = (object?)update.ProviderRef ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            command.Parameters.Add(new() { Value = (object?)update.Message ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            command.Parameters.Add(new() { Value = (object?)update.NextAttemptAt ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new() { Value = now });
            command.Parameters.Add(new() { Value = update.Attempts });
            batch.BatchCommands.Add(command);
        }

        await batch.ExecuteNonQueryAsync(ct);
        await transaction.CommitAsync(ct);
    }

    /// <summary>
    /// The last write before cancels or refills leave: a pending request marked here and never recorded
    /// may have reached the provider, so it is never sent again. Returns the requests marked: only these may be sent.
    /// </summary>
    public async Task<HashSet<long>> MarkSendingAsync(IReadOnlyCollection<ClaimedRequest> requests, DateTimeOffset now, CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            UPDATE order_requests r SET sending_at = $3
            FROM unnest($1::bigint[], $2::int[]) AS c(id, attempts)
            WHERE r.id = c.id AND r.attempts = c.attempts AND r.status = 'pending' AND r.sending_at IS NULL
            RETURNING r.id
            """);
        command.Parameters.Add(new() { Value = requests.Select(r => r.Id).ToArray() });
        command.Parameters.Add(new() { Value = requests.Select(r => r.Attempts).ToArray() });
        command.Parameters.Add(new() { Value = now });
        var marked = new HashSet<long>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            marked.Add(reader.GetInt64(0));
        }

        return marked;
    }

    /// <summary>A request whose own write was refused (<see cref="RowByRow"/>): failed, with the reason, for a person to see.</summary>
    public async Task PutAsideAsync(long requestId, string reason, DateTimeOffset now)
    {
        await using var command = db.CreateCommand(
            "UPDATE order_requests SET status = 'failed', message = $2, next_attempt_at = NULL, updated_at = $3 WHERE id = $1 AND status IN ('pending', 'sent')");
        command.Parameters.Add(new() { Value = requestId });
        command.Parameters.Add(new() { Value = reason });
        command.Parameters.Add(new() { Value = now });
        await command.ExecuteNonQueryAsync();
    }
}
