using System.Collections.Concurrent;
using Fulfillment.Engine.Orders;
using Fulfillment.Providers;
using Fulfillment.Providers.Smm;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Fulfillment.Engine.Tracking;

/// <summary>
/// One status pass: claims due in-progress orders, asks each provider with multi-status calls of
/// at most 100 ids, records the provider's words, finishes what ended (refunds included) and
/// schedules the next check, sooner for young orders and later for old ones.
/// </summary>
public sealed class StatusTracker(
    TrackingStore store,
    ISmmClient client,
    IOptions<TrackingOptions> options,
    TimeProvider clock,
    ILogger<StatusTracker> logger)
{
    public const int MaxIdsPerCall = 100;

    /// <summary>Checks due orders until none is left; returns how many were checked.</summary>
    public async Task<int> DrainAsync(CancellationToken ct)
    {
        var total = 0;
        while (!ct.IsCancellationRequested)
        {
            var checkedNow = await PassAsync(ct);
            total += checkedNow;
            if (checkedNow < options.Value.BatchSize)
            {
                break;
            }
        }

        return total;
    }

    private async Task<int> PassAsync(CancellationToken ct)
    {
        var o = options.Value;
        var now = clock.GetUtcNow();
        var due = await store.ClaimDueAsync(now, o.BatchSize, o.Lease, ct);
        if (due.Count == 0)
        {
            return 0;
        }

        var progress = new ConcurrentBag<Progress>();
        var finishes = new ConcurrentBag<Finish>();
        var reviews = new ConcurrentBag<(long, string)>();
        foreach (var order in due.Where(d => d.Provider?.Endpoint is null || string.IsNullOrEmpty(d.ProviderOrderId)))
        {
            reviews.Add((order.Id, "In progress without a provider order id or a usable provider row; a person must check it."));
        }

        var calls = due
            .Where(d => d.Provider?.Endpoint is not null && !string.IsNullOrEmpty(d.ProviderOrderId))
            .GroupBy(d => d.Provider!.Id)
            .SelectMany(g => g.Chunk(MaxIdsPerCall).Select(chunk => (Endpoint: g.First().Provider!.Endpoint!, Orders: chunk)))
            .ToList();

        await Parallel.ForEachAsync(calls, new ParallelOptions { MaxDegreeOfParallelism = o.MaxParallelCalls, CancellationToken = ct }, async (call, token) =>
        {
            IReadOnlyDictionary<string, StatusResult> answers;
            try
            {
                answers = await client.GetStatusesAsync(call.Endpoint, call.Orders.Select(x => x.ProviderOrderId!).Distinct().ToArray(), token);
            }
            catch (Exception ex) when (ex is ProviderCallException or HttpRequestException or TimeoutException)
            {
                // The lease already moved their next check; they are asked again then.
                logger.LogWarning("Status check of {Count} order(s) at provider {Provider} failed: {Error}", call.Orders.Length, call.Endpoint.Name, ex.Message);
                return;
            }

            foreach (var order in call.Orders)
            {
                Apply(order, answers.GetValueOrDefault(order.ProviderOrderId!), progress, finishes, reviews);
            }
        });

        await store.RecordAsync(progress, finishes, reviews, clock.GetUtcNow(), CancellationToken.None);
        if (!finishes.IsEmpty || !reviews.IsEmpty)
        {
            logger.LogInformation("Checked {Count} order(s): {Finished} finished, {Review} to review", due.Count, finishes.Count, reviews.Count);
        }

        return due.Count;
    }

    private void Apply(TrackedOrder order, StatusResult? answer, ConcurrentBag<Progress> progress, ConcurrentBag<Finish> finishes,
        ConcurrentBag<(long, string)> reviews)
    {
        var now = clock.GetUtcNow();
        var o = options.Value;
        var age = now - order.DispatchedAt;
        var detail = new { provider_status = answer?.RawStatus, remains = answer?.Remains, start_count = answer?.StartCount };
        var state = answer?.State ?? ProviderOrderState.Unknown;
        progress.Add(new Progress(order.Id, answer?.RawStatus, answer?.StartCount, answer?.Remains, now + NextInterval(age), answer?.Error));
        switch (state)
        {
            case ProviderOrderState.Completed:
                finishes.Add(new Finish(order.Id, "completed", answer!.Remains, null, detail));
                return;
            case ProviderOrderState.Partial when answer!.Remains is { } remains:
                finishes.Add(new Finish(order.Id, "partial", remains, null, detail));
                return;
            case ProviderOrderState.Partial:
                reviews.Add((order.Id, "The provider reports the order as Partial without saying how much remains; a person must decide the refund."));
                return;
            case ProviderOrderState.Canceled or ProviderOrderState.Refunded:
                finishes.Add(new Finish(order.Id, "canceled", answer!.Remains, $"The provider canceled the order ({answer.RawStatus}); refunded in full.", detail));
                return;
            case ProviderOrderState.Failed:
                finishes.Add(new Finish(order.Id, "failed", answer!.Remains, $"The provider reported the order as failed ({answer.RawStatus}); refunded in full.", detail));
                return;
        }

        if (state == ProviderOrderState.Unknown && answer?.RawStatus is { } raw)
        {
            // Never final: recorded verbatim and asked again.
            logger.LogWarning("Order {OrderId}: unrecognised provider status '{Status}'; it is recorded and checked again", order.Id, raw);
        }

        if (age >= o.ReviewAfter)
        {
            reviews.Add((order.Id, $"Still in progress at the provider {age.TotalDays:0} days after dispatch (last status: {answer?.RawStatus ?? answer?.Error ?? "none"})."));
        }
    }

    /// <summary>A tenth of the order's age, within bounds: young orders often, long ones rarely.</summary>
    private TimeSpan NextInterval(TimeSpan age)
    {
        var o = options.Value;
        var interval = age / 10;
        return interval < o.MinInterval ? o.MinInterval : interval > o.MaxInterval ? o.MaxInterval : interval;
    }
}
