using Fulfillment.Engine.Conflicts;
using Fulfillment.Engine.Heartbeat;
using Fulfillment.Engine.Providers;
using Fulfillment.Engine.Telemetry;
using Fulfillment.Providers.Resilience;
using Fulfillment.Providers.SmsActivate;
using Fulfillment.Providers.Smm;
using Fulfillment.Engine.Lifecycle.Decisions;
using Microsoft.Extensions.Logging;
using Npgsql;
using Microsoft.Extensions.Options;
using System.Collections.Concurrent;
using Fulfillment.Data.Entities;
using Fulfillment.Engine.Configuration;
using Fulfillment.Engine.Lifecycle;
using Fulfillment.Engine.Database;

namespace Fulfillment.Engine.Dispatch;

/// <summary>
/// One dispatch pass: claim a batch (checks included), mark it sending, send the adds, record
/// every outcome. Shared by the DispatchOrders job and the NOTIFY listener; one pass at a time
/// per instance, and SKIP LOCKED keeps instances from claiming the same order.
/// </summary>
public sealed class OrderDispatcher(
    DispatchStore store,
    ProviderStore providers,
    ISmmClient client,
    ISmsActivateClient sms,
    InstanceIdentity identity,
    IOptions<DispatchOptions> options,
    IOptions<TrackingOptions> tracking,
    IOptions<ActivationOptions> activationOptions,
    IOptions<ConflictOptions> conflicts,
    IOptionsMonitor<ProviderResilienceOptions> providerOptions,
    EngineMetrics metrics,
    TimeProvider clock,
    ILogger<OrderDispatcher> logger) : IDisposable
{
    private readonly SemaphoreSlim _singlePass = new(1, 1);

    /// <summary>Orders this instance holds in <c>dispatching</c>: claimed, being sent, or waiting to be recorded.</summary>
    private readonly ConcurrentDictionary<long, byte> _held = new();

    public void Dispose() => _singlePass.Dispose();

    /// <summary>
    /// Runs passes until the queue has no due order left (or the token stops it). Returns orders claimed.
    /// The stages overlap: while a full batch is being sent the next one is claimed, and while a batch's
    /// outcomes are recorded the orders that arrived meanwhile are claimed and sent (one recording in
    /// flight at a time). A batch claimed but not sent (shutdown, failure) goes back to pending at once.
    /// </summary>
    public async Task<int> DrainAsync(CancellationToken ct)
    {
        await _singlePass.WaitAsync(ct);
        var next = Task.FromResult(ClaimResult.Empty);
        var unsent = ClaimResult.Empty;
        var recording = Task.CompletedTask;
        using var stopRenewing = new CancellationTokenSource();
        var renewing = RenewHeldAsync(stopRenewing.Token);
        try
        {
            var o = options.Value;
            var total = 0;
            next = ClaimAsync(ct);
            while (true)
            {
                var claiming = next;
                next = Task.FromResult(ClaimResult.Empty);
                var claim = await claiming;
                if (claim.Claimed == 0)
                {
                    break;
                }

                unsent = claim;
                if ((ct.IsCancellationRequested && total > 0) || recording.IsFaulted)
                {
                    // Shutdown, or the outcomes of the last batch could not be stored: send nothing more.
                    // This batch was claimed but never marked sending, so it may go straight back.
                    break;
                }

                total += claim.Claimed;
                var ahead = claim.Claimed >= o.BatchSize && !ct.IsCancellationRequested;
                if (ahead)
                {
                    next = ClaimAsync(ct);
                }

                var sent = await SendAsync(claim);
                unsent = ClaimResult.Empty;
                // One recording in flight at a time: wait for the one before. Every batch that was sent is
                // recorded, even when the one before could not be (its failure is raised after this one starts).
                Exception? earlier = null;
                try
                {
                    await recording;
                }
                catch (Exception ex)
                {
                    earlier = ex;
                }

                recording = RecordAsync(sent);
                if (earlier is not null)
                {
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(earlier);
                }

                if (!ahead && !ct.IsCancellationRequested)
                {
                    next = ClaimAsync(ct);
                }
            }

            await ReleaseAsync(unsent);
            unsent = ClaimResult.Empty;
            await recording;
            return total;
        }
        catch (Exception thrown)
        {
            await ReleaseAsync(unsent);
            await ReleaseAsync(await ClaimedOrEmptyAsync(next));
            await RecordedOrLoggedAsync(recording, thrown);
            throw;
        }
        finally
        {
            await stopRenewing.CancelAsync();
            await renewing;
            _singlePass.Release();
        }
    }

    /// <summary>
    /// While a pass holds orders, their lease is renewed a few times per AbandonedAfter, so recovery never
    /// takes an order whose add is queued or in flight here (a rate-limited provider may hold a batch for
    /// minutes). An order this instance stops renewing, because its outcome could not be recorded, is
    /// recovered after AbandonedAfter.
    /// </summary>
    private async Task RenewHeldAsync(CancellationToken stop)
    {
        var every = options.Value.AbandonedAfter / 4;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(every, clock, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var held = _held.Keys.ToArray();
            if (held.Length == 0)
            {
                continue;
            }

            try
            {
                await store.RenewAsync(identity.Id, held, clock.GetUtcNow(), stop);
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                logger.LogWarning("Renewing the lease of {Count} order(s) being dispatched failed ({Error}); trying again", held.Length, ex.Message);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>A claim made ahead, or an empty one when it failed (the failure is logged here).</summary>
    private async Task<ClaimResult> ClaimedOrEmptyAsync(Task<ClaimResult> claim)
    {
        try
        {
            return await claim;
        }
        catch (Exception ex)
        {
            logger.LogWarning("A dispatch claim made ahead failed ({Error}); nothing of it was sent", ex.Message);
            return ClaimResult.Empty;
        }
    }

    /// <summary>Waits for a recording in flight; its failure is logged unless it is the one already being raised.</summary>
    private async Task RecordedOrLoggedAsync(Task recording, Exception thrown)
    {
        try
        {
            await recording;
        }
        catch (Exception ex) when (!ReferenceEquals(ex, thrown))
        {
            logger.LogError(ex, "Recording add outcomes failed; those orders are recovered after Dispatch:AbandonedAfter");
        }
        catch (Exception)
        {
            // The failure being raised: reported by whoever catches it.
        }
    }

    private async Task<ClaimResult> ClaimAsync(CancellationToken ct)
    {
        var o = options.Value;
        var claim = await store.ClaimAsync(identity.Id, o.BatchSize, clock.GetUtcNow(),
            order => PreSendChecks.Decide(order, o, clock.GetUtcNow()), conflicts.Value, ct);
        foreach (var (order, _) in claim.ToSend)
        {
            _held[order.Id] = 0;
        }

        metrics.Finished(claim.Finishes.Select(f => f.Status));
        if (claim.FinishedByChecks > 0)
        {
            logger.LogInformation("{Count} order(s) failed the checks before sending and were refunded", claim.FinishedByChecks);
        }

        return claim;
    }

    /// <summary>Puts a claimed batch that will not be sent back to pending (best effort: recovery does it otherwise).</summary>
    private async Task ReleaseAsync(ClaimResult claim)
    {
        if (claim.ToSend.Count == 0)
        {
            return;
        }

        await ReleaseAsync(claim.ToSend.Select(x => x.Order.Id).ToArray());
    }

    private async Task ReleaseAsync(long[] orderIds)
    {
        try
        {
            var released = await store.ReleaseUnsentAsync(identity.Id, orderIds, clock.GetUtcNow(), CancellationToken.None);
            logger.LogInformation("{Count} claimed order(s) were not sent and went back to pending", released);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            logger.LogWarning("{Count} claimed order(s) could not be put back to pending ({Error}); recovery will", orderIds.Length, ex.Message);
        }
        finally
        {
            Forget(orderIds);
        }
    }

    private void Forget(IEnumerable<long> orderIds)
    {
        foreach (var id in orderIds)
        {
            _held.TryRemove(id, out _);
        }
    }

    /// <summary>A batch's sends and their outcomes, to be recorded, with what they said about each provider's health.</summary>
    private sealed record SentBatch(IReadOnlyList<(ClaimedOrder Order, DispatchDecision Send)> Sent, IReadOnlyList<OrderChange> Results,
        IReadOnlyList<ProviderHealth> Health);

    private async Task<SentBatch> SendAsync(ClaimResult claim)
    {
        var o = options.Value;
        if (claim.ToSend.Count == 0)
        {
            return new SentBatch([], [], []);
        }

        // From here on the requests may leave: a crash now sends these orders to review, never twice.
        // Only orders still ours are sent: one claimed ahead may have been recovered by someone else meanwhile.
        var marked = await store.MarkSendingAsync(identity.Id, claim.ToSend.Select(x => x.Order.Id).ToArray(), clock.GetUtcNow(), CancellationToken.None);
        var toSend = claim.ToSend.Where(x => marked.Contains(x.Order.Id)).ToList();
        if (toSend.Count < claim.ToSend.Count)
        {
            // Blocked or canceled since the claim, or recovered by someone else: only ours go back to pending,
            // where the next claim's checks see the block or the cancel.
            logger.LogInformation("{Count} claimed order(s) were not sent: blocked, canceled or no longer this instance's since the claim",
                claim.ToSend.Count - toSend.Count);
            await ReleaseAsync(claim.ToSend.Where(x => !marked.Contains(x.Order.Id)).Select(x => x.Order.Id).ToArray());
        }

        var results = new ConcurrentBag<OrderChange>();
        var health = new ConcurrentBag<ProviderHealth>();
        // Sends are not cancelled by shutdown once started: an add cut off mid-flight would be an unknown outcome.
        await Parallel.ForEachAsync(toSend, new ParallelOptions { MaxDegreeOfParallelism = o.MaxParallelSends }, async (item, _) =>
        {
            try
            {
                switch (item.Send)
                {
                    case DispatchDecision.Send send:
                        var added = await client.AddAsync(send.Provider, send.Request, CancellationToken.None);
                        health.Add(ProviderHealth.Of(send.Provider, added));
                        results.Add(Decided(item.Order, send.Provider.Name, added,
                            AddOutcomes.ForAdd(item.Order, send.Provider.Name, added, Settings(send.Provider.Name), clock.GetUtcNow())));
                        break;
                    case DispatchDecision.Rent rent:
                        var rented = await sms.GetNumberAsync(rent.Provider, rent.ServiceCode, rent.Country, CancellationToken.None);
                        health.Add(ProviderHealth.Of(rent.Provider, rented));
                        results.Add(Decided(item.Order, rent.Provider.Name, rented,
                            AddOutcomes.ForRent(item.Order, rent.Provider.Name, rented, Settings(rent.Provider.Name), clock.GetUtcNow())));
                        break;
                    default:
                        throw new InvalidOperationException($"Unexpected decision {item.Send.GetType().Name}.");
                }
            }
            catch (Exception ex)
            {
                // The clients report provider failures as outcomes; anything else is a bug, and the request may have left.
                logger.LogError(ex, "Order {OrderId}: sending failed unexpectedly", item.Order.Id);
                results.Add(new OrderChange.ToReview(item.Order.Id, OrderStatus.Dispatching, "The engine failed while sending (" + ex.GetType().Name +
                    "); the provider may have received the order. Check it, then call release_order(id, 'retry') or release_order(id, 'refund')."));
            }
        });

        return new SentBatch(toSend, [.. results], [.. health]);
    }

    private async Task RecordAsync(SentBatch batch)
    {
        if (batch.Results.Count == 0)
        {
            return;
        }

        // The answers are in hand: losing them would send these orders to review. Should the database
        // stay away, recovery finds them after AbandonedAfter. One answer the database refuses fails alone.
        var results = batch.Results;
        try
        {
            var late = new List<OrderChange>();
            await RowByRow.WriteAsync(results,
                async some => late.AddRange(await store.RecordAsync(identity.Id, [.. some], clock.GetUtcNow(), CancellationToken.None)),
                (result, reason) => store.PutAsideAsync(result.OrderId, OrderStatus.Dispatching,
                    $"The provider's answer could not be recorded ({reason}). The answer was: {OrderChange.Describe(result)}. " +
                    (result is OrderChange.Accepted ? "The provider has this order: do not retry it; find it at the provider, or release_order(id, 'refund')." :
                        "Check the provider, then call release_order(id, 'retry') if it does not have the order, or release_order(id, 'refund')."),
                    clock.GetUtcNow()),
                result => $"order {result.OrderId}", logger, "Recording add outcomes");
            foreach (var answer in late)
            {
                logger.LogWarning("Order {OrderId}: a late answer ({Outcome}) arrived after the order had moved on; it is kept in the order's events",
                    answer.OrderId, OrderChange.Describe(answer));
            }
        }
        finally
        {
            Forget(results.Select(r => r.OrderId));
        }

        var providerOf = batch.Sent.ToDictionary(x => x.Order.Id, x => x.Send switch
        {
            DispatchDecision.Send send => send.Provider.Name,
            DispatchDecision.Rent rent => rent.Provider.Name,
            _ => "unknown",
        });
        foreach (var result in results)
        {
            metrics.Dispatched(providerOf.GetValueOrDefault(result.OrderId, "unknown"), result switch
            {
                OrderChange.Accepted => "accepted",
                OrderChange.Finished => "refused_permanent",
                OrderChange.Deferred => "refused_temporary",
                OrderChange.HeldAtProvider => "held",
                OrderChange.Rerouted => "rerouted",
                _ => "unknown",
            });
        }

        metrics.Finished(results.OfType<OrderChange.Finished>().Select(f => f.Finish.Status));
        logger.LogInformation("Dispatched {Sent} order(s): {Accepted} accepted, {Finished} refused, {Retry} deferred, {Rerouted} on to another route, {Review} to review",
            batch.Sent.Count, results.Count(r => r is OrderChange.Accepted), results.Count(r => r is OrderChange.Finished),
            results.Count(r => r is OrderChange.Deferred), results.Count(r => r is OrderChange.Rerouted), results.Count(r => r is OrderChange.ToReview));
        foreach (var move in results.OfType<OrderChange.Rerouted>())
        {
            logger.LogInformation("Order {OrderId}: on from {FromRoute} to {ToRoute}: {Reason}", move.OrderId, move.FromRoute, move.ToRoute, move.Reason);
        }
        await RecordProviderHealthAsync(batch.Health);
    }

    /// <summary>
    /// Once per provider and batch, not per order: an answered add clears the provider's outage
    /// (unreachable_since and its last_error); adds that could not reach it (connection refused, timeout before
    /// sending, circuit open, redirect) set both; a misconfiguration is written to last_error. Best effort.
    /// </summary>
    private async Task RecordProviderHealthAsync(IReadOnlyList<ProviderHealth> health)
    {
        foreach (var provider in health.GroupBy(h => h.ProviderId))
        {
            try
            {
                if (provider.Any(h => h.Reached == true))
                {
                    await providers.RecordReachableAsync(provider.Key, CancellationToken.None);
                }
                else if (provider.LastOrDefault(h => h.Reached == false) is { Error: { } unreachable })
                {
                    await providers.RecordUnreachableAsync(provider.Key, unreachable, clock.GetUtcNow(), CancellationToken.None);
                }
                else if (provider.LastOrDefault(h => h.Error is not null) is { Error: { } error })
                {
                    await providers.RecordErrorAsync(provider.Key, error, CancellationToken.None);
                }
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                logger.LogWarning("Provider {ProviderId}: the health seen by dispatch could not be recorded ({Error})", provider.Key, ex.Message);
            }
        }
    }

    /// <summary>What one add or rent said about its provider: reached (true), unreachable (false), or nothing (null); and the error to show.</summary>
    private sealed record ProviderHealth(long ProviderId, bool? Reached, string? Error)
    {
        public static ProviderHealth Of(Fulfillment.Providers.ProviderEndpoint provider, AddOutcome outcome) => outcome switch
        {
            AddOutcome.Accepted or AddOutcome.AcceptedUnusable => new(provider.Id, true, null),
            AddOutcome.Refused { Reason: RefusalReason.Unreachable or RefusalReason.Redirected } r => new(provider.Id, false, "Add not accepted: " + r.Message),
            AddOutcome.Refused { Reason: RefusalReason.Misconfigured } r => new(provider.Id, null, "Add refused: " + r.Message),
            // Our own limiter or the provider's 429: it says nothing either way.
            AddOutcome.Refused { Reason: RefusalReason.RateLimited } => new(provider.Id, null, null),
            AddOutcome.Refused => new(provider.Id, true, null),
            _ => new(provider.Id, null, null),
        };

        public static ProviderHealth Of(Fulfillment.Providers.ProviderEndpoint provider, NumberOutcome outcome) => outcome switch
        {
            NumberOutcome.Rented or NumberOutcome.RentedUnusable => new(provider.Id, true, null),
            NumberOutcome.Refused { Reason: SmsRefusal.NotSent or SmsRefusal.Redirected } r => new(provider.Id, false, "getNumber not accepted: " + r.Message),
            NumberOutcome.Refused { Reason: SmsRefusal.BadKey or SmsRefusal.Banned } r => new(provider.Id, null, "getNumber refused: " + r.Message),
            NumberOutcome.Refused { Reason: SmsRefusal.RateLimited } => new(provider.Id, null, null),
            NumberOutcome.Refused => new(provider.Id, true, null),
            _ => new(provider.Id, null, null),
        };
    }

    private AddSettings Settings(string providerName) => new(options.Value, tracking.Value.FirstCheckAfter, activationOptions.Value.CheckInterval,
        providerOptions.Get(providerName).AllowResendOnUnknown);

    /// <summary>A send is worth a warning when its lost answer makes it go out again, as configured.</summary>
    private OrderChange Decided(ClaimedOrder order, string providerName, object outcome, OrderChange change)
    {
        if (change is OrderChange.Deferred && outcome is AddOutcome.Unknown unknown)
        {
            logger.LogWarning("Order {OrderId}: the answer of provider {Provider} was lost ({Reason}); resending as configured",
                order.Id, providerName, unknown.Reason);
        }

        return change;
    }
}
