using Fulfillment.Data.Entities;
using Fulfillment.Engine.Database;
using Fulfillment.Engine.Dispatch.Sql;
using Fulfillment.Engine.Heartbeat;
using Fulfillment.Engine.Lifecycle;
using Fulfillment.Engine.ProviderWatch;
using Fulfillment.Engine.Telemetry;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Fulfillment.Engine.Dispatch;

/// <summary>
/// Records a sent batch's outcomes, one batch at a time: each order's move and its attempt's answer, then the metrics, the counts
/// of the dispatch log line (<see cref="DispatchSummary"/>), and what the batch said about each provider's health.
/// </summary>
public sealed class OutcomeRecorder(
    NpgsqlDataSource db,
    ProviderStore providers,
    InstanceIdentity identity,
    HeldOrders held,
    EngineMetrics metrics,
    DispatchSummary summary,
    TimeProvider clock,
    ILogger<OutcomeRecorder> logger) : IDisposable
{
    /// <summary>What an add says about its whole provider, whatever the other adds of its batch said.</summary>
    private static readonly (ProviderSaid Said, ProviderFailure Failure)[] ProviderWide =
        [(ProviderSaid.Redirected, ProviderFailure.Redirected), (ProviderSaid.AuthenticationFailed, ProviderFailure.AuthenticationFailed)];

    private readonly SemaphoreSlim _one = new(1, 1);

    public void Dispose() => _one.Dispose();

    /// <summary>Records a batch once its adds are answered, one recording at a time.</summary>
    public async Task RecordWhenSentAsync(Task<SentBatch> sending)
    {
        var sent = await sending;
        await _one.WaitAsync();
        try
        {
            await RecordAsync(sent);
        }
        finally
        {
            _one.Release();
        }
    }

    private async Task RecordAsync(SentBatch batch)
    {
        if (batch.Results.Count == 0)
        {
            return;
        }

        // The answers are in hand: losing them would send these orders to review. Should the database stay away, recovery finds
        // them after AbandonedAfter. One answer the database refuses fails alone.
        try
        {
            var late = new List<SendResult>();
            await RowByRow.WriteAsync(batch.Results,
                async some => late.AddRange(await RecordOutcomes.RecordAsync(db, identity.Id, [.. some], clock.GetUtcNow(), CancellationToken.None)),
                PutAsideAsync, result => $"order {result.OrderId}", logger, "Recording add outcomes");
            if (late.Count > 0)
            {
                logger.LogWarning("{Count} late answer(s) arrived after their orders had moved on (orders {OrderIds}); each is kept on its attempt and in its order's events",
                    late.Count, string.Join(", ", late.Select(a => a.OrderId)));
            }

            foreach (var answer in late)
            {
                logger.LogDebug("Order {OrderId}: a late answer ({Outcome})", answer.OrderId, OrderChange.Describe(answer.Change));
            }
        }
        finally
        {
            held.Forget(batch.Results.Select(r => r.OrderId));
        }

        Count(batch);
        await RecordProviderHealthAsync(batch.Health);
    }

    /// <summary>An answer the database refused: the order to review alone, its attempt unknown, the answer quoted for a person.</summary>
    private async Task PutAsideAsync(SendResult result, string reason)
    {
        var now = clock.GetUtcNow();
        await using (var connection = await db.OpenConnectionAsync())
        await using (var batch = new NpgsqlBatch(connection))
        {
            AttemptWriter.Answer(batch, [result.Answer with { Outcome = AttemptOutcome.Unknown, ProviderOrderId = null,
                Error = $"The answer could not be recorded ({reason}): {OrderChange.Describe(result.Change)}" }], now);
            await batch.ExecuteNonQueryAsync();
        }

        await OrderReviews.PutAsideAsync(db, result.OrderId, OrderStatus.Dispatching,
            $"The provider's answer could not be recorded ({reason}). The answer was: {OrderChange.Describe(result.Change)}. " +
            (result.Change is OrderChange.Accepted ? "The provider has this order: do not retry it; find it at the provider, or release_order(id, 'refund')." :
                "Check the provider, then call release_order(id, 'retry') if it does not have the order, or release_order(id, 'refund')."), now);
    }

    private void Count(SentBatch batch)
    {
        var providerOf = batch.Sent.ToDictionary(x => x.Order.Id, x => x.Send.Route?.Provider?.Name ?? "unknown");
        var changes = batch.Results.Select(r => r.Change).ToList();
        foreach (var change in changes)
        {
            metrics.Dispatched(providerOf.GetValueOrDefault(change.OrderId, "unknown"), change switch
            {
                OrderChange.Accepted => "accepted",
                OrderChange.Finished => "refused_permanent",
                OrderChange.Deferred => "refused_temporary",
                OrderChange.HeldAtProvider => "held",
                OrderChange.Rerouted => "rerouted",
                _ => "unknown",
            });
        }

        metrics.Finished(changes.OfType<OrderChange.Finished>().Select(f => f.Finish.Status));
        var (accepted, refused, deferred, rerouted, review) = (changes.Count(r => r is OrderChange.Accepted), changes.Count(r => r is OrderChange.Finished),
            changes.Count(r => r is OrderChange.Deferred), changes.Count(r => r is OrderChange.Rerouted), changes.Count(r => r is OrderChange.ToReview));
        logger.LogDebug("Dispatched {Sent} order(s): {Accepted} accepted, {Finished} refused, {Retry} deferred, {Rerouted} on to another route, {Review} to review",
            batch.Sent.Count, accepted, refused, deferred, rerouted, review);
        summary.Add(batch.Sent.Count, accepted, refused, deferred, rerouted, review);
        foreach (var move in changes.OfType<OrderChange.Rerouted>())
        {
            logger.LogDebug("Order {OrderId}: on from {FromRoute} to {ToRoute}: {Reason}", move.OrderId, move.FromRoute, move.ToRoute, move.Reason);
        }
    }

    /// <summary>
    /// Once per provider and batch, not per order. A redirect or a refused key is the provider's, whatever the batch's other adds
    /// said: recorded (redirected_at pauses sending, auth_failed_at stays) until a call succeeds. Otherwise an accepted add clears
    /// the provider's problems; adds that could not reach it set unreachable_since and last_error; a refusal of the order's own
    /// clears a plain outage only; a misconfiguration is written to last_error. Best effort.
    /// </summary>
    private async Task RecordProviderHealthAsync(IReadOnlyList<ProviderHealth> health)
    {
        foreach (var provider in health.GroupBy(h => h.ProviderId))
        {
            try
            {
                await RecordAsync(provider.Key, [.. provider]);
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                logger.LogWarning("Provider {ProviderId}: the health seen by dispatch could not be recorded ({Error})", provider.Key, ex.Message);
            }
        }
    }

    private async Task RecordAsync(long providerId, List<ProviderHealth> said)
    {
        var now = clock.GetUtcNow();
        var providerWide = false;
        foreach (var (kind, failure) in ProviderWide)
        {
            if (said.LastOrDefault(h => h.Said == kind) is { Error: { } error })
            {
                await providers.RecordUnreachableAsync(providerId, error, now, CancellationToken.None, failure);
                providerWide = true;
            }
        }

        if (providerWide)
        {
            return;
        }

        if (said.Any(h => h.Said == ProviderSaid.Succeeded))
        {
            await providers.RecordReachableAsync(providerId, CancellationToken.None);
        }
        else if (said.LastOrDefault(h => h.Said == ProviderSaid.Unreachable) is { Error: { } unreachable })
        {
            await providers.RecordUnreachableAsync(providerId, unreachable, now, CancellationToken.None);
        }
        else if (said.Any(h => h.Said == ProviderSaid.Answered))
        {
            await providers.RecordAnsweredAsync(providerId, CancellationToken.None);
        }
        else if (said.LastOrDefault(h => h.Said == ProviderSaid.Misconfigured) is { Error: { } error })
        {
            await providers.RecordErrorAsync(providerId, error, CancellationToken.None);
        }
    }
}
