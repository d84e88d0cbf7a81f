using System.Collections.Concurrent;
using Fulfillment.Data.Entities;
using Fulfillment.Providers;
using Fulfillment.Providers.SmsActivate;
using Fulfillment.Providers.Smm;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Fulfillment.Engine.Configuration;
using Fulfillment.Engine.Lifecycle;
using Fulfillment.Engine.Database;

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
    IOptions<Configuration.ActivationOptions> activationOptions,
    IOptions<RequestOptions> options,
    TimeProvider clock,
    ILogger<RequestProcessor> logger)
{
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
        var updates = new ConcurrentBag<RequestUpdate>();
        var finishes = new List<Finish>();
        var toCancel = new List<ClaimedRequest>();
        var toRefill = new List<ClaimedRequest>();
        var refillChecks = new List<ClaimedRequest>();
        foreach (var r in claimed)
        {
            switch (r.Kind, r.Status)
            {
                // Marked as sending and never recorded (the engine stopped mid-call): never sent again.
                case (OrderRequestKind.Cancel, OrderRequestStatus.Pending) when r.MaybeSent:
                    updates.Add(new(r.Id, OrderRequestStatus.Sent, null,
                        "The engine stopped after sending this cancel and before recording the answer; it is not sent again. The order's status tells whether the provider canceled it.",
                        now + options.Value.RefillCheckInterval));
                    break;
                case (OrderRequestKind.Refill, OrderRequestStatus.Pending) when r.MaybeSent:
                    updates.Add(new(r.Id, OrderRequestStatus.Failed, null,
                        "The engine stopped after sending this refill and before recording the answer; it is not sent again. Check the provider: it may be refilling.", null));
                    break;
                case (OrderRequestKind.Cancel, OrderRequestStatus.Pending):
                    DecideCancel(r, now, updates, finishes, toCancel);
                    break;
                case (OrderRequestKind.Cancel, _):
                    FollowUpCancel(r, now, updates);
                    break;
                case (OrderRequestKind.Refill, OrderRequestStatus.Pending):
                    DecideRefill(r, updates, toRefill);
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
        await RecordAsync(claimed, updates, finishes);
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

    private static void DecideCancel(ClaimedRequest r, DateTimeOffset now, ConcurrentBag<RequestUpdate> updates, List<Finish> finishes, List<ClaimedRequest> toCancel)
    {
        switch (r.OrderStatus)
        {
            case OrderStatus.Pending or OrderStatus.Held:
                finishes.Add(new Finish(r.OrderId, OrderStatus.Canceled, null, "Canceled at the user's request before it was sent; refunded in full.",
                    new { request_id = r.Id }, Reason: UserReason.CanceledByUser));
                updates.Add(new(r.Id, OrderRequestStatus.Done, null, "Canceled before dispatch; refunded in full.", null));
                break;
            case OrderStatus.Dispatching:
                updates.Add(new(r.Id, OrderRequestStatus.Pending, null, "Waiting: the order is being sent to the provider.", now + TimeSpan.FromSeconds(5)));
                break;
            // A rented number may be canceled until its code arrives, whatever the service's cancel flag (request_cancel checks the code).
            case OrderStatus.InProgress when !r.ServiceCancel && r.Provider?.Kind != ProviderKind.SmsActivate:
                updates.Add(new(r.Id, OrderRequestStatus.Rejected, null, "The order has started and its service does not allow cancel.", null));
                break;
            case OrderStatus.InProgress when r.Provider?.Endpoint is null || ProviderText.IdProblem(r.ProviderOrderId) is not null:
                updates.Add(new(r.Id, OrderRequestStatus.Failed, null, "No provider order to cancel (missing provider, or a missing or unusable provider order id).", null));
                break;
            case OrderStatus.InProgress:
                toCancel.Add(r);
                break;
            case OrderStatus.Canceled:
                updates.Add(new(r.Id, OrderRequestStatus.Done, null, "The order was already canceled.", null));
                break;
            default:
                updates.Add(new(r.Id, OrderRequestStatus.Rejected, null, $"The order is {r.OrderStatus}; it can no longer be canceled.", null));
                break;
        }
    }

    private void FollowUpCancel(ClaimedRequest r, DateTimeOffset now, ConcurrentBag<RequestUpdate> updates)
    {
        var next = now + options.Value.RefillCheckInterval;
        updates.Add(r.OrderStatus switch
        {
            OrderStatus.Canceled or OrderStatus.Failed => new(r.Id, OrderRequestStatus.Done, null, "Canceled by the provider and refunded.", null),
            OrderStatus.Completed or OrderStatus.Partial => new(r.Id, OrderRequestStatus.Rejected, null,
                $"The provider finished the order ({r.OrderStatus}) before canceling it.", null),
            _ => new(r.Id, OrderRequestStatus.Sent, null, null, next),
        });
    }

    private static void DecideRefill(ClaimedRequest r, ConcurrentBag<RequestUpdate> updates, List<ClaimedRequest> toRefill)
    {
        if (!r.ServiceRefill)
        {
            updates.Add(new(r.Id, OrderRequestStatus.Rejected, null, "The service does not offer refill.", null));
        }
        else if (r.OrderStatus is not (OrderStatus.Completed or OrderStatus.Partial))
        {
            updates.Add(new(r.Id, OrderRequestStatus.Rejected, null, $"The order is {r.OrderStatus}; only completed or partial orders can be refilled.", null));
        }
        else if (r.Provider?.Endpoint is null || ProviderText.IdProblem(r.ProviderOrderId) is not null)
        {
            updates.Add(new(r.Id, OrderRequestStatus.Failed, null, "No provider order to refill (missing provider, or a missing or unusable provider order id).", null));
        }
        else
        {
            toRefill.Add(r);
        }
    }

    private async Task SendCancelsAsync(List<ClaimedRequest> requests, ConcurrentBag<RequestUpdate> updates, CancellationToken ct)
    {
        foreach (var group in requests.GroupBy(r => r.Provider!.Id))
        {
            foreach (var chunk in group.Chunk(100))
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

                foreach (var r in chunk)
                {
                    updates.Add(outcomes.GetValueOrDefault(r.ProviderOrderId!) switch
                    {
                        CancelOutcome.Accepted => new(r.Id, OrderRequestStatus.Sent, null,
                            "The provider accepted the cancel; the refund follows when it reports the order canceled.",
                            clock.GetUtcNow() + options.Value.RefillCheckInterval),
                        CancelOutcome.Refused refused => new(r.Id, OrderRequestStatus.Rejected, null, $"The provider refused the cancel: {refused.Message}", null),
                        var other => LostCancel(r, (other as CancelOutcome.Unknown)?.Reason ?? "no answer for this order"),
                    });
                }
            }
        }
    }

    /// <summary>A user's cancel of a rented number before its code: setStatus 8, refunded in full when the provider agrees.</summary>
    private async Task CancelActivationsAsync(List<ClaimedRequest> requests, ConcurrentBag<RequestUpdate> updates, List<Finish> finishes, CancellationToken ct)
    {
        foreach (var r in requests)
        {
            switch (await sms.SetStatusAsync(r.Provider!.Endpoint!, r.ProviderOrderId!, SmsActions.StatusCancel, ct))
            {
                case SetStatusOutcome.Done:
                    finishes.Add(new Finish(r.OrderId, OrderStatus.Canceled, null, "Canceled at the user's request before a code arrived; refunded in full.",
                        new { request_id = r.Id }, Reason: UserReason.CanceledByUser));
                    updates.Add(new(r.Id, OrderRequestStatus.Done, null, "Canceled at the provider; refunded in full.", null));
                    break;
                case SetStatusOutcome.EarlyCancelDenied:
                    updates.Add(new(r.Id, OrderRequestStatus.Pending, null, "The provider refuses to cancel in the first minutes; trying again.",
                        clock.GetUtcNow() + activationOptions.Value.CancelRetryAfter));
                    break;
                case SetStatusOutcome.Refused refused:
                    updates.Add(new(r.Id, OrderRequestStatus.Rejected, null, $"The provider refused the cancel: {refused.Message}", null));
                    break;
                case SetStatusOutcome.Unknown unknown:
                    updates.Add(LostCancel(r, unknown.Reason));
                    break;
            }
        }
    }

    private async Task SendRefillsAsync(List<ClaimedRequest> requests, ConcurrentBag<RequestUpdate> updates, CancellationToken ct)
    {
        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (r, token) =>
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

            updates.Add(outcome switch
            {
                RefillOutcome.Accepted accepted => new(r.Id, OrderRequestStatus.Sent, accepted.RefillId, "The provider accepted the refill.",
                    clock.GetUtcNow() + options.Value.RefillCheckInterval),
                RefillOutcome.AcceptedUnusable unusable => new(r.Id, OrderRequestStatus.Failed, null,
                    $"The provider accepted the refill, but {unusable.Reason}; it cannot be followed here, a person must check it at the provider.", null),
                RefillOutcome.Refused refused => new(r.Id, OrderRequestStatus.Rejected, null, $"The provider refused the refill: {refused.Message}", null),
                RefillOutcome.Unknown unknown => new(r.Id, OrderRequestStatus.Failed, null,
                    $"The provider's answer to the refill was lost ({unknown.Reason}); it is not sent again. Check the provider: it may be refilling.", null),
                _ => throw new InvalidOperationException(),
            });
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
            foreach (var chunk in group.Chunk(100))
            {
                IReadOnlyDictionary<string, RefillStatusResult> statuses;
                try
                {
                    statuses = await client.GetRefillStatusesAsync(chunk[0].Provider!.Endpoint!, chunk.Select(r => r.ProviderRef!).Distinct().ToArray(), ct);
                }
                catch (Exception ex) when (ex is ProviderCallException or HttpRequestException)
                {
                    logger.LogWarning("Refill status check at provider {Provider} failed: {Error}", chunk[0].Provider!.Name, ex.Message);
                    foreach (var r in chunk)
                    {
                        updates.Add(new(r.Id, OrderRequestStatus.Sent, null, null, next));
                    }

                    continue;
                }

                foreach (var r in chunk)
                {
                    var status = statuses.GetValueOrDefault(r.ProviderRef!);
                    updates.Add(status?.State switch
                    {
                        ProviderOrderState.Completed => new(r.Id, OrderRequestStatus.Done, null, $"Refill completed ({status.RawStatus}).", null),
                        ProviderOrderState.Canceled or ProviderOrderState.Failed or ProviderOrderState.Refunded =>
                            new(r.Id, OrderRequestStatus.Rejected, null, $"The provider did not refill ({status.RawStatus ?? status.Error}).", null),
                        _ => new(r.Id, OrderRequestStatus.Sent, null, status?.RawStatus is { } raw ? $"Refill status: {raw}." : null, next),
                    });
                }
            }
        }
    }

    /// <summary>
    /// A cancel whose answer was lost may have been taken: never sent again, it is followed through the
    /// order's status instead (canceled there means done; finished means rejected).
    /// </summary>
    private RequestUpdate LostCancel(ClaimedRequest r, string reason) => new(r.Id, OrderRequestStatus.Sent, null,
        $"The provider's answer to the cancel was lost ({reason}); it is not sent again. The order's status tells whether the provider canceled it.",
        clock.GetUtcNow() + options.Value.RefillCheckInterval);
}
