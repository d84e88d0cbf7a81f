using System.Text.Json;
using Fulfillment.Data.Entities;
using Fulfillment.Engine.Database;
using Fulfillment.Engine.Lifecycle;
using Fulfillment.Engine.Lifecycle.Decisions;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Fulfillment.Engine.DripFeed;

/// <summary>The SQL of emulated drip-feeds: claim the parents due for a look with their runs, and write what was decided.</summary>
public sealed class DripFeedStore(NpgsqlDataSource db, ILogger<DripFeedStore> logger)
{
    // MATERIALIZED with SKIP LOCKED (docs/style.md, 6): two instances never look at one parent at once, and only the
    // instance holding a parent creates its runs (ux_orders_one_row_per_run is the last guard).
    private static readonly string ClaimSql = $"""
        WITH due AS MATERIALIZED (
            SELECT id FROM orders
            WHERE status = '{OrderStatus.InProgress}' AND emulated_runs IS NOT NULL AND next_attempt_at <= $1 AND ($3::bigint[] IS NULL OR id = ANY($3))
            ORDER BY next_attempt_at, id
            LIMIT $2
            FOR NO KEY UPDATE SKIP LOCKED)
        SELECT p.id, p.quantity, p.emulated_runs, p.params -> 'interval', u.status, coalesce(s.cancel, false),
               (SELECT min(r.id) FROM order_requests r
                WHERE r.order_id = p.id AND r.kind = '{OrderRequestKind.Cancel}' AND r.status IN ('{OrderRequestStatus.Pending}', '{OrderRequestStatus.Sent}'))
        FROM due
        JOIN orders p ON p.id = due.id
        JOIN users u ON u.id = p.user_id
        LEFT JOIN services s ON s.id = p.service_id
        ORDER BY p.id
        """;

    // The runs of the claimed parents. A stopping parent's runs not sent yet are locked here (SKIP LOCKED: one being
    // claimed for dispatch right now is left to the next look), so canceling them never races their dispatch.
    private static readonly string RunsSql = $"""
        WITH waiting AS MATERIALIZED (
            SELECT id FROM orders
            WHERE parent_id = ANY($2) AND status IN ('{OrderStatus.Pending}', '{OrderStatus.Held}')
            ORDER BY id
            FOR NO KEY UPDATE SKIP LOCKED)
        SELECT o.parent_id, o.id, o.run_number, o.status, o.remains, o.start_count, o.created_at, o.dispatched_at, o.sending_at, o.finished_at,
               o.error, o.id IN (SELECT id FROM waiting),
               EXISTS (SELECT 1 FROM order_requests r WHERE r.order_id = o.id AND r.kind = '{OrderRequestKind.Cancel}')
        FROM orders o
        WHERE o.parent_id = ANY($1)
        ORDER BY o.parent_id, o.run_number
        """;

    /// <summary>
    /// Looks at up to <paramref name="limit"/> running parents that are due, in one transaction: decides each and writes it
    /// (runs created, a stopping parent's unsent runs canceled and its run in progress asked to stop, progress, the end
    /// with its one refund, its cancel request settled). One parent the database refuses fails alone: the batch is done
    /// again one parent at a time, and the one still refused goes to review with the reason.
    /// </summary>
    public async Task<DripFeedPassResult> AdvanceAsync(int limit, DateTimeOffset now, Func<DripFeedParent, DripFeedStep> decide, CancellationToken ct)
    {
        var claimed = new List<long>();
        try
        {
            return await AdvanceAsync(limit, null, claimed, now, decide, ct);
        }
        catch (Exception ex) when (RowByRow.IsBadRow(ex) && claimed.Count > 0)
        {
            logger.LogWarning("A drip-feed pass over {Count} order(s) was refused ({Error}); doing them one at a time", claimed.Count, RowByRow.Reason(ex));
        }

        var results = new List<DripFeedPassResult>();
        foreach (var id in claimed)
        {
            try
            {
                results.Add(await AdvanceAsync(1, [id], [], now, decide, ct));
            }
            catch (Exception ex) when (RowByRow.IsBadRow(ex))
            {
                var reason = RowByRow.Reason(ex);
                logger.LogError("Drip-feed order {OrderId} could not be advanced and goes to review: {Error}", id, reason);
                await OrderReviews.PutAsideAsync(db, id, OrderStatus.InProgress,
                    $"The engine could not advance this drip-feed ({reason}); no further run is created while it is in review, and runs already " +
                    "created go on. Fix the row, then call release_order(id, 'retry') to resume it (a run is never created twice).", now);
            }
        }

        return DripFeedPassResult.Merge(claimed.Count, results);
    }

    private async Task<DripFeedPassResult> AdvanceAsync(int limit, long[]? ids, List<long> claimedIds, DateTimeOffset now,
        Func<DripFeedParent, DripFeedStep> decide, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var parents = new List<(long Id, int Quantity, int Runs, int? Interval, string UserStatus, bool Cancel, long? Request)>();
        await using (var command = new NpgsqlCommand(ClaimSql, connection, transaction))
        {
            command.Parameters.Add(new() { Value = now });
            command.Parameters.Add(new() { Value = limit });
            command.Parameters.Add(new() { Value = (object?)ids ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                parents.Add((reader.GetInt64(0), reader.GetInt32(1), reader.GetInt32(2), reader.IsDBNull(3) ? null : WholeNumber(reader.GetString(3)),
                    reader.GetString(4), reader.GetBoolean(5), reader.IsDBNull(6) ? null : reader.GetInt64(6)));
            }
        }

        claimedIds.AddRange(parents.Select(p => p.Id));
        if (parents.Count == 0)
        {
            return DripFeedPassResult.Empty;
        }

        var runs = parents.ToDictionary(p => p.Id, _ => new List<DripFeedRun>());
        await using (var command = new NpgsqlCommand(RunsSql, connection, transaction))
        {
            command.Parameters.Add(new() { Value = parents.Select(p => p.Id).ToArray() });
            command.Parameters.Add(new()
            {
                Value = parents.Where(p => p.Request is not null || p.UserStatus != UserStatus.Active).Select(p => p.Id).ToArray(),
            });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                runs[reader.GetInt64(0)].Add(new DripFeedRun(reader.GetInt64(1), reader.GetInt32(2), reader.GetString(3),
                    reader.IsDBNull(4) ? null : reader.GetInt64(4), reader.IsDBNull(5) ? null : reader.GetInt64(5), reader.GetFieldValue<DateTimeOffset>(6),
                    Time(reader, 7), Time(reader, 8), Time(reader, 9), reader.IsDBNull(10) ? null : reader.GetString(10), reader.GetBoolean(11),
                    reader.GetBoolean(12)));
            }
        }

        var steps = new List<DripFeedStep>();
        foreach (var p in parents)
        {
            steps.Add(p.Interval is { } interval
                ? DecideSafely(new DripFeedParent(p.Id, p.Quantity, p.Runs, interval, p.UserStatus, p.Cancel, p.Request, runs[p.Id]), decide)
                : Aside(p.Id, "its params hold no interval the engine can read"));
        }

        var changes = steps.SelectMany(s => s.Changes).ToList();
        await using var batch = new NpgsqlBatch(connection, transaction);
        OrderWriter.AddTo(batch, changes, now);
        var cancels = steps.SelectMany(s => s.CancelRuns).ToArray();
        if (cancels.Length > 0)
        {
            // Like block handling's: the request processor sends each once; its outcome follows through the run's own status.
            OrderWriter.Add(batch, $"""
                WITH requested AS (
                    INSERT INTO order_requests (order_id, kind, message, created_at, updated_at)
                    SELECT o.id, '{OrderRequestKind.Cancel}', 'Requested by the engine: its drip-feed order ' || o.parent_id || ' was canceled.', $2, $2
                    FROM orders o
                    WHERE o.id = ANY($1) AND o.status = '{OrderStatus.InProgress}'
                      AND NOT EXISTS (SELECT 1 FROM order_requests r WHERE r.order_id = o.id AND r.kind = '{OrderRequestKind.Cancel}')
                    RETURNING order_id, id),
                events AS (
                    INSERT INTO order_events (order_id, at, kind, detail)
                    SELECT order_id, $2, 'cancel_requested', jsonb_build_object('request_id', id, 'reason', 'drip-feed canceled') FROM requested)
                SELECT count(pg_notify('{NotifyChannels.Requests}', id::text)) FROM requested
                """, cancels, now);
        }

        foreach (var settle in steps.Select(s => s.SettleCancel).OfType<RequestUpdate>())
        {
            OrderWriter.Add(batch, """
                UPDATE order_requests SET status = $2, message = $3, next_attempt_at = NULL, updated_at = $4
                WHERE id = $1 AND status IN ('pending', 'sent')
                """, settle.Id, settle.Status, settle.Message, now);
        }

        await batch.ExecuteNonQueryAsync(ct);
        await transaction.CommitAsync(ct);
        var finishes = changes.OfType<OrderChange.Finished>().Select(f => f.Finish).ToList();
        return new DripFeedPassResult(parents.Count, changes.Count(c => c is OrderChange.RunCreated),
            finishes.Where(f => runs.ContainsKey(f.OrderId)).ToList(), finishes.Count(f => !runs.ContainsKey(f.OrderId)), cancels.Length);
    }

    /// <summary>The decision is pure code, but a row may hold what nobody foresaw: that parent goes to review, alone.</summary>
    private DripFeedStep DecideSafely(DripFeedParent parent, Func<DripFeedParent, DripFeedStep> decide)
    {
        try
        {
            return decide(parent);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Drip-feed order {OrderId}: deciding its runs failed unexpectedly; it goes to review", parent.Id);
            return Aside(parent.Id, RowByRow.Reason(ex));
        }
    }

    private static DripFeedStep Aside(long parent, string why) => new([new OrderChange.ToReview(parent, OrderStatus.InProgress,
        $"The engine could not judge this drip-feed ({why}); no further run is created while it is in review, and runs already created go on. " +
        "Fix the row, then call release_order(id, 'retry') to resume it (a run is never created twice).")], []);

    private static DateTimeOffset? Time(NpgsqlDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetFieldValue<DateTimeOffset>(i);

    /// <summary>params.interval as place_order took it: a JSON number, or a string of digits.</summary>
    private static int? WholeNumber(string json)
    {
        using var document = JsonDocument.Parse(json);
        var value = document.RootElement;
        return value.ValueKind switch
        {
            JsonValueKind.Number when value.TryGetInt32(out var n) => n,
            JsonValueKind.String when int.TryParse(value.GetString()?.Trim(), out var n) => n,
            _ => null,
        };
    }
}

/// <param name="ParentsFinished">The parents that ended, each refunded once by the rule.</param>
/// <param name="RunsCanceled">Runs not sent that were canceled because their parent stopped.</param>
public sealed record DripFeedPassResult(int Parents, int RunsCreated, IReadOnlyList<Finish> ParentsFinished, int RunsCanceled, int CancelsAsked)
{
    public static DripFeedPassResult Empty { get; } = new(0, 0, [], 0, 0);

    public static DripFeedPassResult Merge(int parents, IReadOnlyList<DripFeedPassResult> parts) => new(parents, parts.Sum(p => p.RunsCreated),
        [.. parts.SelectMany(p => p.ParentsFinished)], parts.Sum(p => p.RunsCanceled), parts.Sum(p => p.CancelsAsked));
}
