using Fulfillment.Data.Entities;
using Fulfillment.Engine.Database;
using Fulfillment.Engine.DripFeed.Sql;
using Fulfillment.Engine.Lifecycle;
using Fulfillment.Engine.Lifecycle.Decisions;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Fulfillment.Engine.DripFeed;

/// <param name="ParentsFinished">The parents that ended, each refunded once by the rule.</param>
public sealed record DripFeedPassResult(int Parents, int RunsCreated, IReadOnlyList<Finish> ParentsFinished, int Stopping)
{
    public static DripFeedPassResult Empty { get; } = new(0, 0, [], 0);

    public static DripFeedPassResult Merge(int parents, IReadOnlyList<DripFeedPassResult> parts) => new(parents, parts.Sum(p => p.RunsCreated),
        [.. parts.SelectMany(p => p.ParentsFinished)], parts.Sum(p => p.Stopping));
}

/// <summary>
/// One look at up to a batch of running parents that are due, in one transaction: the stopping ones closed (fulfillment_close_parents),
/// each decided (<see cref="DripFeedRuns"/>) and written (runs created, progress, the end with its one refund, its cancel request
/// settled). One parent the database refuses fails alone: the batch is done again one parent at a time, and the one still refused
/// goes to review with the reason.
/// </summary>
public sealed class DripFeedPass(NpgsqlDataSource db, ILogger<DripFeedPass> logger)
{
    public async Task<DripFeedPassResult> AdvanceAsync(int limit, DateTimeOffset now, Func<DripFeedParent, DripFeedStep> decide, CancellationToken ct)
    {
        var claimed = new List<long>();
        try
        {
            return await AdvanceOnceAsync(limit, null, claimed, now, decide, ct);
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
                results.Add(await AdvanceOnceAsync(1, [id], [], now, decide, ct));
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

    private async Task<DripFeedPassResult> AdvanceOnceAsync(int limit, long[]? ids, List<long> claimedIds, DateTimeOffset now,
        Func<DripFeedParent, DripFeedStep> decide, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var parents = await ClaimParents.ClaimAsync(connection, transaction, now, limit, ids, ct);
        claimedIds.AddRange(parents.Select(p => p.Id));
        if (parents.Count == 0)
        {
            return DripFeedPassResult.Empty;
        }

        var runs = await CloseAndReadRuns.RunAsync(connection, transaction, parents, now, ct);
        var steps = parents.Select(p => p.Interval is { } interval
            ? DecideSafely(new DripFeedParent(p.Id, p.Quantity, p.Runs, interval, p.UserStatus, p.ServiceCancel, p.Request, runs[p.Id], p.RequestReason), decide)
            : Aside(p.Id, "its params hold no interval the engine can read")).ToList();
        var changes = steps.SelectMany(s => s.Changes).ToList();
        await using var batch = new NpgsqlBatch(connection, transaction);
        OrderWriter.AddTo(batch, changes, now);
        foreach (var settle in steps.Select(s => s.SettleCancel).OfType<RequestUpdate>())
        {
            OrderWriter.Add(batch, """
                UPDATE order_requests SET status = $2, message = $3, next_attempt_at = NULL, updated_at = $4
                WHERE id = $1 AND status IN ('pending', 'sent')
                """, settle.Id, settle.Status, settle.Message, now);
        }

        await batch.ExecuteNonQueryAsync(ct);
        await transaction.CommitAsync(ct);
        return new DripFeedPassResult(parents.Count, changes.Count(c => c is OrderChange.RunCreated),
            [.. changes.OfType<OrderChange.Finished>().Select(f => f.Finish)], parents.Count(p => p.Stopping));
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
        "Fix the row, then call release_order(id, 'retry') to resume it (a run is never created twice).")]);
}
