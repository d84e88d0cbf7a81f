using Fulfillment.Engine.Configuration;
using Fulfillment.Engine.Heartbeat;
using Fulfillment.Engine.Lifecycle.Decisions;
using Fulfillment.Engine.Telemetry;
using Fulfillment.Providers.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Fulfillment.Engine.Dispatch;

/// <summary>
/// The dispatch pass: claim a batch (<see cref="DispatchClaim"/>), send it (<see cref="AddSender"/>), record its outcomes
/// (<see cref="OutcomeRecorder"/>), while the leases of the orders held are renewed (<see cref="LeaseRenewer"/>). Shared by the
/// DispatchOrders job and the NOTIFY listener; one pass at a time per instance, and SKIP LOCKED keeps instances from claiming the
/// same order.
/// </summary>
/// <remarks>
/// The stages overlap: the next batch is claimed as soon as one is handed to its sends, and a claim that fits beside the adds in
/// flight (at most a batch marked sending at once, and at most two batches sent and not yet recorded: what a crash would leave to
/// review) is sent at once, so an order placed while a slow provider holds a batch goes out without waiting for it. A claim that does
/// not fit waits, unmarked, for adds in flight to finish. When a claim finds nothing and adds are still out, the pass waits for a new
/// order (<see cref="Nudge"/>) or for those adds. A batch claimed but not sent (shutdown, failure) goes back to pending at once.
/// </remarks>
public sealed class DispatchPass(
    DispatchClaim claims,
    AddSender sender,
    OutcomeRecorder recorder,
    LeaseRenewer renewer,
    HeldOrders held,
    InstanceIdentity identity,
    IOptions<DispatchOptions> options,
    IOptionsMonitor<ProviderResilienceOptions> providerOptions,
    EngineMetrics metrics,
    TimeProvider clock,
    ILogger<DispatchPass> logger) : IDisposable
{
    private readonly SemaphoreSlim _singlePass = new(1, 1);
    private TaskCompletionSource _nudge = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Dispose() => _singlePass.Dispose();

    /// <summary>Runs passes until the queue has no due order left (or the token stops it). Returns orders claimed.</summary>
    public async Task<int> DrainAsync(CancellationToken ct)
    {
        await _singlePass.WaitAsync(ct);
        var batches = new BatchesInFlight(options.Value.BatchSize);
        var unsent = new Unsent();
        using var stopRenewing = new CancellationTokenSource();
        var renewing = renewer.RunAsync(stopRenewing.Token);
        try
        {
            var total = await ClaimAndSendAsync(batches, unsent, ct);
            await sender.ReleaseAsync(unsent.Take());
            await batches.AllRecordedAsync(logger, rethrow: true);
            return total;
        }
        catch (Exception) when (!batches.Rethrowing)
        {
            await sender.ReleaseAsync(unsent.Take());
            await batches.AllRecordedAsync(logger, rethrow: false);
            throw;
        }
        finally
        {
            await stopRenewing.CancelAsync();
            await renewing;
            _singlePass.Release();
        }
    }

    /// <summary>Claims and hands batches to their sends until nothing is due, a batch failed, or the pass stops. Returns orders claimed.</summary>
    private async Task<int> ClaimAndSendAsync(BatchesInFlight batches, Unsent unsent, CancellationToken ct)
    {
        var total = 0;
        while (!(ct.IsCancellationRequested && total > 0))
        {
            // Taken before the claim: an order whose notification arrives after this point may be missed by the claim,
            // and its nudge wakes the wait below.
            var nudged = PendingNudge();
            var claim = await ClaimAsync(batches.Failure is null && !ct.IsCancellationRequested ? batches.Room() : 0, ct);
            if (claim.Claimed == 0)
            {
                if (!await batches.WaitForNudgeOrAddsAsync(nudged, ct))
                {
                    break;
                }

                continue;
            }

            unsent.Claim = claim;
            total += claim.Claimed;
            if (!claim.Marked && !await batches.WaitForRoomAsync(claim.Orders.Count, ct))
            {
                // The outcomes of a batch could not be stored, or shutdown: send nothing more. This batch was claimed but never
                // marked sending, so it may go straight back.
                break;
            }

            if (claim.Orders.Count > 0)
            {
                var sent = SendOrReleaseAsync(claim);
                batches.Add(sent, recorder.RecordWhenSentAsync(sent), claim.Orders.Count);
            }

            unsent.Claim = ClaimResult.Empty;
        }

        return total;
    }

    /// <summary>The claim not handed to its sends yet: what goes back to pending when the pass ends early.</summary>
    private sealed class Unsent
    {
        public ClaimResult Claim { get; set; } = ClaimResult.Empty;

        public long[] Take()
        {
            var ids = Claim.Orders.Select(o => o.Order.Id).ToArray();
            Claim = ClaimResult.Empty;
            return ids;
        }
    }

    /// <summary>A new order was placed (the NOTIFY listener calls this): a pass waiting for adds in flight claims again at once.</summary>
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

    private async Task<ClaimResult> ClaimAsync(int markUpTo, CancellationToken ct)
    {
        var o = options.Value;
        var claim = await claims.ClaimAsync(identity.Id, o.BatchSize, clock.GetUtcNow(),
            order => PreSendChecks.Decide(order, o, clock.GetUtcNow(), name => providerOptions.Get(name).AllowResendOnUnknown), markUpTo, ct);
        held.Hold(claim.Orders.Select(x => x.Order.Id));
        metrics.Finished(claim.Finishes.Select(f => f.Status));
        if (claim.FinishedByChecks > 0)
        {
            logger.LogInformation("{Count} order(s) failed the checks before sending and were refunded", claim.FinishedByChecks);
        }

        return claim;
    }

    /// <summary>Marks a claimed batch sending and sends it; a batch that could not be marked goes back to pending.</summary>
    private async Task<SentBatch> SendOrReleaseAsync(ClaimResult claim)
    {
        try
        {
            return await sender.SendAsync(claim);
        }
        catch
        {
            // Only the marking can throw here (every send reports its failure as an outcome): the orders were not sent.
            await sender.ReleaseAsync([.. claim.Orders.Select(o => o.Order.Id)]);
            throw;
        }
    }
}
