using System.Text.Json.Nodes;
using Fulfillment.Data.Entities;
using Fulfillment.Engine.Configuration;
using Fulfillment.Engine.Database;
using Fulfillment.Engine.Lifecycle;
using Fulfillment.Engine.Telemetry;
using Fulfillment.Providers;
using Fulfillment.Providers.SmsActivate;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Fulfillment.Engine.Tracking;

/// <summary>
/// Tracks rented numbers: each code that arrives is appended to <c>orders.result</c> with its time,
/// and the activation completes (confirmed with setStatus 6). No code within the window: canceled
/// at the provider (setStatus 8, tried again after EARLY_CANCEL_DENIED) and refunded in full.
/// </summary>
public sealed class ActivationTracker(
    TrackingStore store,
    ISmsActivateClient client,
    IOptions<ActivationOptions> options,
    IOptions<TrackingOptions> tracking,
    EngineMetrics metrics,
    TimeProvider clock,
    ILogger<ActivationTracker> logger)
{
    public async Task<int> DrainAsync(CancellationToken ct)
    {
        var total = 0;
        while (!ct.IsCancellationRequested)
        {
            var t = tracking.Value;
            var due = await store.ClaimDueAsync(ProviderKind.SmsActivate, clock.GetUtcNow(), t.BatchSize, t.Lease, ct);
            await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = t.MaxParallelCalls, CancellationToken = ct },
                async (order, token) => await CheckAsync(order, token));
            total += due.Count;
            if (due.Count < t.BatchSize)
            {
                break;
            }
        }

        return total;
    }

    private async Task CheckAsync(TrackedOrder order, CancellationToken ct)
    {
        var changes = new List<OrderChange>();
        if (order.Provider?.Endpoint is not { } endpoint || string.IsNullOrEmpty(order.ProviderOrderId))
        {
            changes.Add(Review(order, "An activation in progress without an activation id or a usable provider row; a person must check it."));
        }
        else
        {
            await DecideAsync(order, endpoint, changes, ct);
        }

        await Transient.RetryAsync(() => store.RecordAsync(changes, clock.GetUtcNow(), CancellationToken.None), logger, "Recording activation status");
        metrics.Finished(changes.OfType<OrderChange.Finished>().Select(f => f.Finish.Status));
    }

    private async Task DecideAsync(TrackedOrder order, ProviderEndpoint endpoint, List<OrderChange> changes, CancellationToken ct)
    {
        var o = options.Value;
        var now = clock.GetUtcNow();
        ActivationStatus status;
        try
        {
            status = await client.GetStatusAsync(endpoint, order.ProviderOrderId!, ct);
        }
        catch (ProviderCallException ex)
        {
            changes.Add(new OrderChange.Progressed(order.Id, null, null, null, now + o.CheckInterval, "Status check failed: " + ex.Message));
            return;
        }

        switch (status.State)
        {
            case ActivationState.Ok or ActivationState.WaitRetry when status.Code is { } code:
                var confirmed = await client.SetStatusAsync(endpoint, order.ProviderOrderId!, SmsActions.StatusComplete, ct);
                changes.Add(new OrderChange.Progressed(order.Id, StatusWord(status), null, null, now, null, WithCode(order.ResultJson, code, now)));
                changes.Add(new OrderChange.Finished(new Finish(order.Id, OrderStatus.Completed, 0, null,
                    new { stage = "activation", confirmed = confirmed is SetStatusOutcome.Done })));
                return;
            case ActivationState.Canceled:
                changes.Add(new OrderChange.Finished(new Finish(order.Id, OrderStatus.Canceled, null, "The provider canceled the activation; refunded in full.",
                    new { stage = "activation" })));
                return;
            case ActivationState.NotFound:
                changes.Add(Review(order, "The provider no longer knows this activation; a person must check whether a code was received."));
                return;
        }

        if (now - order.DispatchedAt < o.Window)
        {
            changes.Add(new OrderChange.Progressed(order.Id, StatusWord(status), null, null, now + o.CheckInterval, null));
            return;
        }

        switch (await client.SetStatusAsync(endpoint, order.ProviderOrderId!, SmsActions.StatusCancel, ct))
        {
            case SetStatusOutcome.Done:
                changes.Add(new OrderChange.Finished(new Finish(order.Id, OrderStatus.Canceled, null,
                    $"No code arrived within {o.Window.TotalMinutes:0} minutes; canceled at the provider and refunded in full.", new { stage = "activation" },
                    Reason: UserReason.NoCodeReceived)));
                break;
            case SetStatusOutcome.EarlyCancelDenied:
                changes.Add(new OrderChange.Progressed(order.Id, StatusWord(status), null, null, now + o.CancelRetryAfter,
                    "No code yet; the provider refuses to cancel this early, trying again."));
                break;
            case SetStatusOutcome.Refused refused:
                changes.Add(Review(order, $"No code arrived and the provider refused the cancel ({refused.Message}); a person must check it."));
                break;
            default:
                // The answer was lost: the next status read tells whether it was canceled.
                changes.Add(new OrderChange.Progressed(order.Id, StatusWord(status), null, null, now + o.CheckInterval, "Cancel answer lost; checking again."));
                break;
        }
    }

    private static OrderChange.ToReview Review(TrackedOrder order, string reason) => new(order.Id, OrderStatus.InProgress, reason);

    /// <summary>The provider's status without the code: the code belongs in <c>result</c>, where retention purges it.</summary>
    private static string StatusWord(ActivationStatus status)
    {
        var colon = status.Raw.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? status.Raw : status.Raw[..colon];
    }

    private static string WithCode(string? resultJson, string code, DateTimeOffset at)
    {
        var result = (resultJson is null ? null : JsonNode.Parse(resultJson) as JsonObject) ?? [];
        if (result["codes"] is not JsonArray codes)
        {
            codes = [];
            result["codes"] = codes;
        }

        if (!codes.Any(c => c?["code"]?.GetValue<string>() == code))
        {
            codes.Add(new JsonObject { ["code"] = code, ["at"] = at });
        }

        return result.ToJsonString();
    }
}
