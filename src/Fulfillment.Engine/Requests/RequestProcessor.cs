using System.Collections.Concurrent;
using Fulfillment.Data.Entities;
using Fulfillment.Engine.Configuration;
using Fulfillment.Engine.Database;
using Fulfillment.Engine.Lifecycle;
using Fulfillment.Engine.Lifecycle.Decisions;
using Fulfillment.Providers;
using Fulfillment.Providers.Smm;
using Fulfillment.Providers.SmsActivate;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Fulfillment.Engine.Requests;

/// <summary>
/// Serves cancel and refill requests: a cancel of an order not yet sent is done here with a full
/// refund; others go to the provider when the service allows them, and their results (and the
/// refill's status) flow back into order_requests.
/// </summary>
public sealed class RequestProcessor(
    RequestStore store,
    ISmmClient client,
    ISmsActivateClient sms,
    IOptions<ActivationOptions> activationOptions,
    IOptions<RequestOptions> options,
    TimeProvider clock,
    ILogger<RequestProcessor> logger)
{
    /// <summary>Refill requests sent at once (each to its own order, so in parallel).</summary>
    private const int MaxParallelRefills = 8;

    public async Task<int> DrainAsync(CancellationToken ct)
    {
        var total = 0;
        while (!ct.IsCancellationRequested)
        {
            var o = options.Value;
            var claimed = await store.ClaimDueAsync(clock.GetUtcNow(), o.BatchSize, o.Lease, ct);
            if (claimed.Count == 0)
            {
                break;
            }

            await ProcessAsync(claimed, ct);
            total += claimed.Count;
            if (claimed.Count < o.BatchSize)
            {
                break;
            }
        }

        return total;
    }

    private async Task ProcessAsync(IReadOnlyList<ClaimedRequest> claimed, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var next = now + options.Value.RefillCheckInterval;
        var updates = new ConcurrentBag<RequestUpdate>();
        var finishes = new ConcurrentBag<Finish>();
        var toCancel = new List<ClaimedRequest>();
        var toRefill = new List<ClaimedRequest>();
        var refillChecks = new List<ClaimedRequest>();
        foreach (var r in claimed)
        {
            switch (r.Kind, r.Status)
            {
                case (_, OrderRequestStatus.Pending) when r.MaybeSent:
                    updates.Add(RequestOutcomes.MaybeSent(r, next));
                    break;
                case (OrderRequestKind.Cancel, OrderRequestStatus.Pending):
                    Decide(r, RequestOutcomes.Cancel(r, now), toCancel, updates, finishes);
                    break;
                case (OrderRequestKind.Cancel, _):
                    updates.Add(RequestOutcomes.FollowUpCancel(r, next));
                    break;
                case (OrderRequestKind.Refill, OrderRequestStatus.Pending):
                    Decide(r, RequestOutcomes.Refill(r), toRefill, updates, finishes);
                    break;
                default:
                    refillChecks.Add(r);
                    break;
            }
        }

        // From here on cancels and refills may leave: a request marked here is never sent twice.
        var marked = toCancel.Count + toRefill.Count == 0 ? [] : await store.MarkSendingAsync([.. toCancel, .. toRefill], clock.GetUtcNow(), ct);
        toCancel = toCancel.Where(r => marked.Contains(r.Id)).ToList();
        toRefill = toRefill.Where(r => marked.Contains(r.Id)).ToList();
        var activations = toCancel.Where(r => r.Provider!.Kind == ProviderKind.SmsActivate).ToList();
        await CancelActivationsAsync(activations, updates, finishes, ct);
        await Task.WhenAll(
            SendCancelsAsync(toCancel.Except(activations).ToList(), updates, ct),
            SendRefillsAsync(toRefill, updates, ct),
            CheckRefillsAsync(refillChecks, updates, ct));
        await RecordAsync(claimed, updates, [.. finishes]);
    }

    private static void Decide(ClaimedRequest r, RequestDecision decision, List<ClaimedRequest> toSend, ConcurrentBag<RequestUpdate> updates,
        ConcurrentBag<Finish> finishes)
    {
        if (decision.Send)
        {
            toSend.Add(r);
            return;
        }

        updates.Add(decision.Update!);
        if (decision.Finish is { } finish)
        {
            finishes.Add(finish);
        }
    }

    /// <summary>Each request's outcome (and its order's finish) is written by the claim that sent it; one the database refuses fails alone.</summary>
    private async Task RecordAsync(IReadOnlyList<ClaimedRequest> claimed, IEnumerable<RequestUpdate> updates, List<Finish> finishes)
    {
        var byId = claimed.ToDictionary(r => r.Id);
        var rows = updates
            .Select(u => (Update: u with { Attempts = byId[u.Id].Attempts }, Finish: finishes.FirstOrDefault(f => f.OrderId == byId[u.Id].OrderId)))
            .ToList();
        await RowByRow.WriteAsync(rows,
            some => store.RecordAsync([.. some.Select(r => r.Update)], [.. some.Select(r => r.Finish).OfType<Finish>()], clock.GetUtcNow(), CancellationToken.None),
            (row, reason) => store.PutAsideAsync(row.Update.Id,
                $"The outcome could not be recorded ({reason}); it was: {row.Update.Status}, {RowByRow.Printable(row.Update.Message, 300)}. A person must check the provider.",
                clock.GetUtcNow()),
            row => $"request {row.Update.Id}", logger, "Recording request outcomes");
    }

    private async Task SendCancelsAsync(List<ClaimedRequest> requests, ConcurrentBag<RequestUpdate> updates, CancellationToken ct)
    {
        foreach (var group in requests.GroupBy(r => r.Provider!.Id))
        {
            foreach (var chunk in group.Chunk(SmmActions.MaxIdsPerCall))
            {
                var endpoint = chunk[0].Provider!.Endpoint!;
                IReadOnlyDictionary<string, CancelOutcome> outcomes;
                try
                {
                    outcomes = await client.CancelAsync(endpoint, chunk.Select(r => r.ProviderOrderId!).Distinct().ToArray(), ct);
                }
                catch (Exception ex) when (ex is ProviderCallException or HttpRequestException)
                {
                    outcomes = chunk.ToDictionary(r => r.ProviderOrderId!, _ => (CancelOutcome)new CancelOutcome.Unknown(ex.Message));
                }

                var next = clock.GetUtcNow() + options.Value.RefillCheckInterval;
                foreach (var r in chunk)
                {
                    updates.Add(RequestOutcomes.CancelAnswer(r, outcomes.GetValueOrDefault(r.ProviderOrderId!), next));
                }
            }
        }
    }

    /// <summary>A user's cancel of a rented number before its code: setStatus 8, refunded in full when the provider agrees.</summary>
    private async Task CancelActivationsAsync(List<ClaimedRequest> requests, ConcurrentBag<RequestUpdate> updates, ConcurrentBag<Finish> finishes, CancellationToken ct)
    {
        foreach (var r in requests)
        {
            var outcome = await sms.SetStatusAsync(r.Provider!.Endpoint!, r.ProviderOrderId!, SmsActions.StatusCancel, ct);
            var now = clock.GetUtcNow();
            var decision = RequestOutcomes.ActivationCancelAnswer(r, outcome, now + activationOptions.Value.CancelRetryAfter, now + options.Value.RefillCheckInterval);
            Decide(r, decision, [], updates, finishes);
        }
    }

    private async Task SendRefillsAsync(List<ClaimedRequest> requests, ConcurrentBag<RequestUpdate> updates, CancellationToken ct)
    {
        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = MaxParallelRefills, CancellationToken = ct }, async (r, token) =>
        {
            RefillOutcome outcome;
            try
            {
                outcome = await client.RefillAsync(r.Provider!.Endpoint!, r.ProviderOrderId!, token);
            }
            catch (Exception ex) when (ex is ProviderCallException or HttpRequestException)
            {
                outcome = new RefillOutcome.Unknown(ex.Message);
            }

            updates.Add(RequestOutcomes.RefillAnswer(r, outcome, clock.GetUtcNow() + options.Value.RefillCheckInterval));
        });
    }

    private async Task CheckRefillsAsync(List<ClaimedRequest> requests, ConcurrentBag<RequestUpdate> updates, CancellationToken ct)
    {
        var next = clock.GetUtcNow() + options.Value.RefillCheckInterval;
        foreach (var r in requests.Where(r => r.Provider?.Endpoint is null || string.IsNullOrEmpty(r.ProviderRef)))
        {
            updates.Add(new(r.Id, OrderRequestStatus.Failed, null, "The refill has no provider reference to follow.", null));
        }

        foreach (var group in requests.Where(r => r.Provider?.Endpoint is not null && !string.IsNullOrEmpty(r.ProviderRef)).GroupBy(r => r.Provider!.Id))
        {
            foreach (var chunk in group.Chunk(SmmActions.MaxIdsPerCall))
            {
                IReadOnlyDictionary<string, RefillStatusResult> statuses;
                try
                {
                    statuses = await client.GetRefillStatusesAsync(chunk[0].Provider!.Endpoint!, chunk.Select(r => r.ProviderRef!).Distinct().ToArray(), ct);
                }
                catch (Exception ex) when (ex is ProviderCallException or HttpRequestException)
                {
                    logger.LogDebug("Refill status check at provider {Provider} failed: {Error}", chunk[0].Provider!.Name, ex.Message);
                    foreach (var r in chunk)
                    {
                        updates.Add(new(r.Id, OrderRequestStatus.Sent, null, null, next));
                    }

                    continue;
                }

                foreach (var r in chunk)
                {
                    updates.Add(RequestOutcomes.RefillStatus(r, statuses.GetValueOrDefault(r.ProviderRef!), next));
                }
            }
        }
    }
}
