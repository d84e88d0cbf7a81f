using Fulfillment.Data.Entities;
using Fulfillment.Engine.Configuration;
using Fulfillment.Engine.Conflicts;
using Fulfillment.Engine.Database;
using Fulfillment.Engine.Dispatch.Sql;
using Fulfillment.Engine.Lifecycle;
using Fulfillment.Engine.Lifecycle.Decisions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Fulfillment.Engine.Dispatch;

/// <summary>
/// The dispatch claim: up to a batch of due pending orders, and in the same transaction the pre-send checks and the same-link rule:
/// failures and cancels are finished (refunded), waits pushed back, orders behind an active order on the same target held (or failed,
/// per policy), emulated drip-feeds started, and the rest moved to <c>dispatching</c> by this instance.
/// </summary>
/// <remarks>
/// One bad order fails alone: when the claim's writes are refused for a reason that is not transient, the claimed orders are claimed
/// again one at a time, and one that is still refused goes to review with the reason. When the orders to send fit in
/// <c>markUpTo</c>, their attempts are written in the claim's own commit (<see cref="ClaimResult.Marked"/>): from that commit on,
/// a crash sends them to review, never twice.
/// </remarks>
public sealed class DispatchClaim(NpgsqlDataSource db, IOptions<ConflictOptions> conflicts, IOptions<PanelOptions> panel, ILogger<DispatchClaim> logger)
{
    public async Task<ClaimResult> ClaimAsync(Guid instance, int limit, DateTimeOffset now, Func<ClaimedOrder, DispatchDecision> decide, int markUpTo,
        CancellationToken ct)
    {
        var claimedIds = new List<long>();
        try
        {
            return await ClaimOnceAsync(instance, limit, null, claimedIds, now, decide, markUpTo, ct);
        }
        catch (Exception ex) when (RowByRow.IsBadRow(ex) && claimedIds.Count > 0)
        {
            logger.LogWarning("A dispatch claim of {Count} order(s) was refused ({Error}); claiming them one at a time", claimedIds.Count, RowByRow.Reason(ex));
        }

        var results = new List<ClaimResult>();
        foreach (var id in claimedIds)
        {
            try
            {
                results.Add(await ClaimOnceAsync(instance, 1, [id], [], now, decide, markUpTo: 0, ct));
            }
            catch (Exception ex) when (RowByRow.IsBadRow(ex))
            {
                var reason = RowByRow.Reason(ex);
                logger.LogError("Order {OrderId} could not be claimed for dispatch and goes to review: {Error}", id, reason);
                await OrderReviews.PutAsideAsync(db, id, OrderStatus.Pending,
                    $"The engine could not claim this order for dispatch ({reason}); it was not sent. Fix the row, then call release_order(id, 'retry'), or release_order(id, 'refund').",
                    now);
            }
        }

        return ClaimResult.Merge(claimedIds.Count, results);
    }

    private async Task<ClaimResult> ClaimOnceAsync(Guid instance, int limit, long[]? ids, List<long> claimedIds, DateTimeOffset now,
        Func<ClaimedOrder, DispatchDecision> decide, int markUpTo, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var claimed = await ClaimOrders.ReadAsync(connection, transaction, now, limit, ids, ct);
        claimedIds.AddRange(claimed.Select(o => o.Id));
        if (claimed.Count > 0)
        {
            var routes = await ReadRoutes.ReadAsync(connection, transaction, [.. claimed.Select(o => o.ServiceId).Distinct()], panel.Value.PanelCurrency, now, ct);
            claimed = [.. claimed.Select(o => o with { Routes = routes.GetValueOrDefault(o.ServiceId) ?? [new Route(0, o.Provider, o.ProviderServiceId)] })];
        }

        // A decision that moves an order to another route sends it as on that route (its conflicts and its outcome follow it).
        var decided = claimed.Select(order => (Order: order, Decision: DecideSafely(order, decide)))
            .Select(x => x.Decision.Move is { } m ? (Order: x.Order with { RoutePosition = m.To.Position, RouteRefusingSince = null, Attempts = 0 }, x.Decision) : x)
            .ToList();
        var keyed = decided.Where(x => x.Decision is DispatchDecision.Send)
            .Select(x => (x.Order, x.Decision, Key: ConflictKeys.LinkKey(x.Order.Link)))
            .Where(x => x.Key is not null)
            .Select(x => new FindBlockers.Keyed(x.Order, x.Key!, x.Decision.Route ?? x.Order.CurrentRoute)).ToList();
        var blockers = await FindBlockers.FindAsync(connection, transaction, keyed, conflicts.Value.Scope, ct);
        var (toSend, changes) = Split(decided, blockers, conflicts.Value.Policy);

        await using var batch = new NpgsqlBatch(connection, transaction);
        // The link key is stored with the order's next write: with the claim for the orders sent, alone for those held (or failed)
        // behind another order, so a later claim finds them.
        var keys = keyed.ToDictionary(x => x.Order.Id, x => x.Key);
        FindBlockers.StoreKeys(batch, keys.Where(k => toSend.All(s => s.Order.Id != k.Key)).ToDictionary());
        OrderWriter.AddTo(batch, [.. changes, .. toSend.Select(s => new OrderChange.Claimed(s.Order.Id, instance, s.Start.ProviderId, s.Order.RoutePosition,
            keys.GetValueOrDefault(s.Order.Id)))], now);
        var mark = toSend.Count > 0 && toSend.Count <= markUpTo;
        if (mark)
        {
            AttemptWriter.Start(batch, instance, [.. toSend.Select(s => s.Start)], now);
        }

        var attempts = batch.BatchCommands.Count > 0 ? await MarkSending.ReadAttemptsAsync(batch, ct) : [];
        await transaction.CommitAsync(ct);
        var finishes = changes.OfType<OrderChange.Finished>().Select(f => f.Finish).ToList();
        return new ClaimResult(claimed.Count, [.. toSend.Select(s => s with { AttemptId = attempts.TryGetValue(s.Order.Id, out var a) ? a : null })],
            finishes.Count, changes.Count(c => c is OrderChange.Waiting), changes.Count(c => c is OrderChange.HeldBehind), finishes);
    }

    /// <summary>Which orders go out now, and what the others become: a move first (written before the claim), then the order's own change.</summary>
    private static (List<ToSend> ToSend, List<OrderChange> Changes) Split(List<(ClaimedOrder Order, DispatchDecision Decision)> decided,
        Dictionary<long, long> blockers, ConflictPolicy policy)
    {
        var toSend = new List<ToSend>();
        var changes = new List<OrderChange>();
        foreach (var (order, decision) in decided)
        {
            if (decision.Rerouted(order.Id) is { } move)
            {
                changes.Add(move);
            }

            var change = decision is DispatchDecision.Send
                ? ConflictDecision.Decide(order.Id, blockers.TryGetValue(order.Id, out var blocker) ? blocker : null, policy)
                : decision.ToChange(order.Id);
            if (change is OrderChange.Finished failed && order.Pin is { } pin)
            {
                // A provider may hold it (a lost answer): never failed or refunded here.
                change = new OrderChange.ToReview(order.Id, OrderStatus.Pending,
                    $"{failed.Finish.Error} The answer to attempt {pin.AttemptId} was lost, so its provider may run this order: it is not refunded. " +
                    "Check the provider, then call release_order(id, 'retry') or release_order(id, 'refund').");
            }

            if (change is null)
            {
                toSend.Add(new ToSend(order, decision));
            }
            else
            {
                changes.Add(change);
            }
        }

        return (toSend, changes);
    }

    /// <summary>The checks are pure code, but a row may hold what nobody foresaw: an order they cannot judge goes to review, alone.</summary>
    private DispatchDecision DecideSafely(ClaimedOrder order, Func<ClaimedOrder, DispatchDecision> decide)
    {
        try
        {
            return decide(order);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Order {OrderId}: the pre-send checks failed unexpectedly; it goes to review", order.Id);
            return new DispatchDecision.Review(
                $"The engine could not check this order ({RowByRow.Reason(ex)}); it was not sent. Fix the row, then call release_order(id, 'retry'), or release_order(id, 'refund').");
        }
    }
}
