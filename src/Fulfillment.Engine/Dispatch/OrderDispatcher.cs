using System.Collections.Concurrent;
using Fulfillment.Data.Entities;
using Fulfillment.Engine.Configuration;
using Fulfillment.Engine.Conflicts;
using Fulfillment.Engine.Database;
using Fulfillment.Engine.Heartbeat;
using Fulfillment.Engine.Lifecycle;
using Fulfillment.Engine.Lifecycle.Decisions;
using Fulfillment.Engine.Providers;
using Fulfillment.Engine.Telemetry;
using Fulfillment.Providers.Resilience;
using Fulfillment.Providers.Smm;
using Fulfillment.Providers.SmsActivate;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

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

    /// <summary>One batch's outcomes recorded at a time.</summary>
    private readonly SemaphoreSlim _recordOne = new(1, 1);

    private TaskCompletionSource _nudge = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Orders this instance holds in <c>dispatching</c>: claimed, being sent, or waiting to be recorded.</summary>
    private readonly ConcurrentDictionary<long, byte> _held = new();

    public void Dispose()
    {
        _singlePass.Dispose();
        _recordOne.Dispose();
    }

    /// <summary>
    /// Runs passes until the queue has no due order left (or the token stops it). Returns orders claimed.
    /// The stages overlap: the next batch is claimed as soon as one is handed to its sends, and a claim that fits
    /// beside the adds in flight (at most <see cref="DispatchOptions.BatchSize"/> orders marked sending at once, and at
    /// most twice that sent and not yet recorded) is sent at once, so an order placed while a slow provider holds a batch goes out without waiting for that
    /// batch's slowest add. A claim that does not fit waits, unmarked, for adds in flight to finish. Outcomes are
    /// recorded one batch at a time, while later batches are claimed and sent. When a claim finds nothing and adds
    /// are still out, the pass waits for a new order (<see cref="Nudge"/>) or for those adds, then looks again.
    /// A batch claimed but not sent (shutdown, failure) goes back to pending at once.
    /// </summary>
    public async Task<int> DrainAsync(CancellationToken ct)
    {
        await _singlePass.WaitAsync(ct);
        var unsent = ClaimResult.Empty;
        var inFlight = new List<BatchInFlight>();
        Exception? failed = null;
        using var stopRenewing = new CancellationTokenSource();
        var renewing = RenewHeldAsync(stopRenewing.Token);
        try
        {
            var o = options.Value;
            var total = 0;
            while (!(ct.IsCancellationRequested && total > 0))
            {
                // Taken before the claim: an order whose notification arrives after this point may be missed by the claim,
                // and its nudge wakes the wait below.
                var nudged = PendingNudge();
                // A claim that fits beside the batches out is marked sending in its own commit and sent at once.
                failed ??= Prune(inFlight);
                var claim = await ClaimAsync(failed is null && !ct.IsCancellationRequested ? Room(inFlight, o.BatchSize) : 0, ct);
                if (claim.Claimed == 0)
                {
                    failed ??= Prune(inFlight);
                    if (inFlight.Count == 0 || failed is not null)
                    {
                        break;
                    }

                    try
                    {
                        await Task.WhenAny(nudged, Task.WhenAll(inFlight.Select(b => b.Done))).WaitAsync(ct);
                    }
                    catch (OperationCanceledException) when (ct.IsCancellationRequested)
                    {
                        break;
                    }

                    continue;
                }

                unsent = claim;
                total += claim.Claimed;
                // Room for this claim beside the batches still out (Room). The batches are taken once per look: one may
                // finish between a count and a wait. A claim marked in its own commit had room when it was claimed.
                while (!claim.Marked && (failed ??= Prune(inFlight)) is null)
                {
                    var unrecorded = inFlight.Where(b => !b.Done.IsCompleted).ToList();
                    var sending = unrecorded.Where(b => !b.Sent.IsCompleted).ToList();
                    if (claim.ToSend.Count <= Room(unrecorded, sending, o.BatchSize))
                    {
                        break;
                    }

                    await Task.WhenAny(sending.Select(b => b.Sent).Concat(unrecorded.Select(b => b.Done)));
                }

                if (!claim.Marked && (failed is not null || ct.IsCancellationRequested))
                {
                    // The outcomes of a batch could not be stored, or shutdown: send nothing more. This batch was claimed
                    // but never marked sending, so it may go straight back.
                    break;
                }

                if (claim.ToSend.Count > 0)
                {
                    var sent = SendOrReleaseAsync(claim);
                    inFlight.Add(new BatchInFlight(sent, RecordWhenSentAsync(sent), claim.ToSend.Count));
                }

                unsent = ClaimResult.Empty;
            }

            await ReleaseAsync(unsent);
            unsent = ClaimResult.Empty;
            failed = await AllRecordedAsync(inFlight, failed);
            if (failed is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failed);
            }

            return total;
        }
        catch (Exception thrown) when (!ReferenceEquals(thrown, failed))
        {
            await ReleaseAsync(unsent);
            await AllRecordedAsync(inFlight, thrown);
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
    /// A new order was placed (the NOTIFY listener calls this): a pass waiting for adds in flight claims again at once.
    /// </summary>
    public void Nudge() => Volatile.Read(ref _nudge).TrySetResult();

    /// <summary>The nudge not yet given: a fresh one when the last was used.</summary>
    private Task PendingNudge()
    {
        var current = Volatile.Read(ref _nudge);
        if (current.Task.IsCompleted)
        {
            Interlocked.CompareExchange(ref _nudge, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), current);
        }

        return Volatile.Read(ref _nudge).Task;
    }

    /// <summary>
    /// How many orders may go out now beside the batches still out: never more than a batch marked sending at once, nor more
    /// than two batches' answers not yet recorded (what a crash would leave to review), as when one batch was sent while
    /// the one before was recorded.
    /// </summary>
    private static int Room(List<BatchInFlight> unrecorded, List<BatchInFlight> sending, int batchSize) =>
        Math.Max(0, Math.Min(batchSize - sending.Sum(b => b.Orders), 2 * batchSize - unrecorded.Sum(b => b.Orders)));

    private static int Room(List<BatchInFlight> inFlight, int batchSize)
    {
        var unrecorded = inFlight.Where(b => !b.Done.IsCompleted).ToList();
        return Room(unrecorded, [.. unrecorded.Where(b => !b.Sent.IsCompleted)], batchSize);
    }

    /// <summary>One claimed batch handed to its sends: when its adds are all answered, and when its outcomes are recorded.</summary>
    private sealed record BatchInFlight(Task Sent, Task Done, int Orders);

    /// <summary>Drops the batches recorded; returns the first failure of one that could not be sent or recorded, if any.</summary>
    private static Exception? Prune(List<BatchInFlight> inFlight)
    {
        var failure = inFlight.FirstOrDefault(b => b.Done.IsFaulted)?.Done.Exception?.InnerException;
        inFlight.RemoveAll(b => b.Done.IsCompletedSuccessfully);
        return failure;
    }

    /// <summary>
    /// Waits until every batch in flight is recorded (or could not be). Returns <paramref name="first"/>, or else the
    /// first failure; every other failure is logged here.
    /// </summary>
    private async Task<Exception?> AllRecordedAsync(List<BatchInFlight> inFlight, Exception? first)
    {
        foreach (var batch in inFlight)
        {
            try
            {
                await batch.Done;
            }
            catch (Exception ex)
            {
                if (first is null)
                {
                    first = ex;
                }
                else if (!ReferenceEquals(ex, first))
                {
                    logger.LogError(ex, "Recording add outcomes failed; those orders are recovered after Dispatch:AbandonedAfter");
                }
            }
        }

        inFlight.Clear();
        return first;
    }

    /// <summary>Marks a claimed batch sending and sends it; a batch that could not be marked goes back to pending.</summary>
    private async Task<SentBatch> SendOrReleaseAsync(ClaimResult claim)
    {
        try
        {
            return await SendAsync(claim);
        }
        catch
        {
            // Only the marking can throw here (every send reports its failure as an outcome): the orders were not sent.
            await ReleaseAsync(claim);
            throw;
        }
    }

    /// <summary>Records a batch's outcomes once its adds are answered, one recording at a time.</summary>
    private async Task RecordWhenSentAsync(Task<SentBatch> sending)
    {
        var sent = await sending;
        await _recordOne.WaitAsync();
        try
        {
            await RecordAsync(sent);
        }
        finally
        {
            _recordOne.Release();
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

    private async Task<ClaimResult> ClaimAsync(int markUpTo, CancellationToken ct)
    {
        var o = options.Value;
        var claim = await store.ClaimAsync(identity.Id, o.BatchSize, clock.GetUtcNow(),
            order => PreSendChecks.Decide(order, o, clock.GetUtcNow()), conflicts.Value, ct, markUpTo);
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
        // A claim marked in its own commit (ClaimResult.Marked) was claimed just now and is all ours.
        var marked = claim.Marked
            ? claim.ToSend.Select(x => x.Order.Id).ToHashSet()
            : await store.MarkSendingAsync(identity.Id, claim.ToSend.Select(x => x.Order.Id).ToArray(), clock.GetUtcNow(), CancellationToken.None);
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
            AddOutcome.Refused { Reason: RefusalReason.Unreachable } r => new(provider.Id, false, "Add not accepted: " + r.Message),
            AddOutcome.Unknown { Redirected: true } u => new(provider.Id, false, "Add not accepted: " + u.Reason),
            AddOutcome.Refused { Reason: RefusalReason.Misconfigured or RefusalReason.AuthenticationFailed } r => new(provider.Id, null, "Add refused: " + r.Message),
            // Our own limiter or the provider's 429: it says nothing either way.
            AddOutcome.Refused { Reason: RefusalReason.RateLimited } => new(provider.Id, null, null),
            AddOutcome.Refused => new(provider.Id, true, null),
            _ => new(provider.Id, null, null),
        };

        public static ProviderHealth Of(Fulfillment.Providers.ProviderEndpoint provider, NumberOutcome outcome) => outcome switch
        {
            NumberOutcome.Rented or NumberOutcome.RentedUnusable => new(provider.Id, true, null),
            NumberOutcome.Refused { Reason: SmsRefusal.NotSent } r => new(provider.Id, false, "getNumber not accepted: " + r.Message),
            NumberOutcome.Unknown { Redirected: true } u => new(provider.Id, false, "getNumber not accepted: " + u.Reason),
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
