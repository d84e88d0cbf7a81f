using System.Collections.Concurrent;
using System.Threading.Channels;
using Fulfillment.Engine.Orders;
using Fulfillment.Engine.Providers;
using Fulfillment.Engine.Telemetry;
using Fulfillment.Providers;
using Fulfillment.Providers.Smm;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Fulfillment.Engine.Tracking;

/// <summary>
/// One status pass: claims due in-progress orders, asks each provider with multi-status calls of
/// at most 100 ids, records the provider's words, finishes what ended (refunds included) and
/// schedules the next check, sooner for young orders and later for old ones.
/// </summary>
public sealed class StatusTracker(
    TrackingStore store,
    ProviderStore providers,
    ISmmClient client,
    IOptions<TrackingOptions> options,
    EngineMetrics metrics,
    TimeProvider clock,
    ILogger<StatusTracker> logger)
{
    public const int MaxIdsPerCall = 100;

    /// <summary>Transactions recording answers at once; each takes every answer waiting, up to <see cref="MaxOrdersPerRecord"/> orders.</summary>
    private const int RecordWriters = 2;

    private const int MaxOrdersPerRecord = 1000;

    /// <summary>
    /// Checks due orders until none is left; returns how many were checked. The next batch is
    /// claimed while the current one is being checked, so the database and the provider calls overlap.
    /// </summary>
    public async Task<int> DrainAsync(CancellationToken ct)
    {
        var o = options.Value;
        var total = 0;
        var next = ClaimAsync(ct);
        while (true)
        {
            var due = await next;
            if (due.Count == 0)
            {
                return total;
            }

            // Claimed ahead, it waits for this batch's checks too: its lease is twice as long.
            next = due.Count < o.BatchSize || ct.IsCancellationRequested ? Task.FromResult<IReadOnlyList<TrackedOrder>>([]) : ClaimAsync(ct, ahead: true);
            try
            {
                await CheckAllAsync(due, ct);
            }
            catch
            {
                // The batch claimed ahead stays leased and is checked once the lease ends.
                try
                {
                    await next;
                }
                catch (Exception ex)
                {
                    logger.LogWarning("A status claim made ahead failed as well ({Error})", ex.Message);
                }

                throw;
            }

            total += due.Count;
        }
    }

    private Task<IReadOnlyList<TrackedOrder>> ClaimAsync(CancellationToken ct, bool ahead = false)
    {
        var o = options.Value;
        return store.ClaimDueAsync(Data.Entities.ProviderKind.SmmV2, clock.GetUtcNow(), o.BatchSize, ahead ? o.Lease * 2 : o.Lease, ct);
    }

    private async Task CheckAllAsync(IReadOnlyList<TrackedOrder> due, CancellationToken ct)
    {
        var o = options.Value;
        var now = clock.GetUtcNow();
        // An id stored before ids were validated could break the multi-status call of every order sharing it.
        var unusable = due.Where(d => d.Provider?.Endpoint is null || ProviderText.IdProblem(d.ProviderOrderId) is not null).ToList();
        if (unusable.Count > 0)
        {
            await store.RecordAsync([], [], unusable.Select(o => (o.Id,
                "In progress without a usable provider order id or a usable provider row; a person must check it.")).ToList(), now, CancellationToken.None);
        }

        var health = new PassHealth(providers, logger);
        var calls = due
            .Where(d => d.Provider?.Endpoint is not null && ProviderText.IdProblem(d.ProviderOrderId) is null)
            .GroupBy(d => d.Provider!.Id)
            .SelectMany(g => g.Chunk(MaxIdsPerCall).Select(chunk => (Endpoint: g.First().Provider!.Endpoint!, Orders: chunk)))
            .ToList();

        // Each call's answers are recorded as soon as a writer is free, merged with whatever other calls
        // answered meanwhile (one transaction for several calls): a slow or failing provider holds back
        // nobody else's orders, and a busy database gets fewer, larger transactions.
        var answered = Channel.CreateUnbounded<Checked>(new UnboundedChannelOptions { SingleWriter = false, SingleReader = false });
        var writers = Enumerable.Range(0, RecordWriters).Select(_ => Task.Run(() => RecordAsync(answered.Reader), CancellationToken.None)).ToArray();
        try
        {
            await Parallel.ForEachAsync(calls, new ParallelOptions { MaxDegreeOfParallelism = o.MaxParallelCalls, CancellationToken = ct },
                async (call, token) => answered.Writer.TryWrite(await CheckAsync(call.Endpoint, call.Orders, health, token)));
        }
        finally
        {
            answered.Writer.Complete();
            await Task.WhenAll(writers);
        }
    }

    /// <summary>One thing a status answer writes about one order.</summary>
    private sealed record Answered(long OrderId, Progress? Progress, Finish? Finish, string? Review)
    {
        public string Describe() => Finish is { } f
            ? $"{f.Status} ({Orders.RowByRow.Printable(f.ProviderStatus, 100)}, remains {f.Remains})"
            : Progress is { } p ? $"{Orders.RowByRow.Printable(p.ProviderStatus ?? p.Error, 100)}, remains {p.Remains}" : Orders.RowByRow.Printable(Review, 200);
    }

    /// <summary>One call's outcome, to be recorded.</summary>
    private sealed record Checked(string Provider, int Orders, List<Progress> Progress, List<Finish> Finishes, List<(long, string)> Reviews);

    private async Task RecordAsync(ChannelReader<Checked> answered)
    {
        while (await answered.WaitToReadAsync(CancellationToken.None))
        {
            var batch = new List<Checked>();
            while (batch.Sum(b => b.Orders) < MaxOrdersPerRecord && answered.TryRead(out var item))
            {
                batch.Add(item);
            }

            if (batch.Count == 0)
            {
                continue;
            }

            // One row per thing to write; an answer the database refuses fails alone (RowByRow), its order to review.
            List<Answered> rows =
            [
                .. batch.SelectMany(b => b.Progress).Select(p => new Answered(p.OrderId, p, null, null)),
                .. batch.SelectMany(b => b.Finishes).Select(f => new Answered(f.OrderId, null, f, null)),
                .. batch.SelectMany(b => b.Reviews).Select(r => new Answered(r.Item1, null, null, r.Item2)),
            ];
            var putAside = await RowByRow.WriteAsync(rows,
                some => store.RecordAsync(
                    [.. some.Select(r => r.Progress).OfType<Progress>()], [.. some.Select(r => r.Finish).OfType<Finish>()],
                    [.. some.Where(r => r.Review is not null).Select(r => (r.OrderId, r.Review!))], clock.GetUtcNow(), CancellationToken.None),
                (row, reason) => store.PutAsideAsync(row.OrderId,
                    $"The provider's status answer could not be recorded ({reason}); last answer: {row.Describe()}. A person must check the order at the provider.",
                    clock.GetUtcNow()),
                row => $"order {row.OrderId}", logger, "Recording status answers");
            var finishes = batch.SelectMany(b => b.Finishes).Where(f => !putAside.Any(p => p.Finish == f)).ToList();
            metrics.Finished(finishes);
            foreach (var call in batch.Where(b => b.Finishes.Count > 0 || b.Reviews.Count > 0))
            {
                logger.LogInformation("Checked {Count} order(s) at provider {Provider}: {Finished} finished, {Review} to review",
                    call.Orders, call.Provider, call.Finishes.Count, call.Reviews.Count);
            }
        }
    }

    private async Task<Checked> CheckAsync(ProviderEndpoint endpoint, TrackedOrder[] orders, PassHealth health, CancellationToken ct)
    {
        var progress = new List<Progress>();
        var finishes = new List<Finish>();
        var reviews = new List<(long, string)>();
        IReadOnlyDictionary<string, StatusResult> answers;
        try
        {
            answers = await client.GetStatusesAsync(endpoint, orders.Select(x => x.ProviderOrderId!).Distinct().ToArray(), ct);
        }
        catch (Exception ex) when (ex is ProviderCallException or HttpRequestException or TimeoutException)
        {
            logger.LogWarning("Status check of {Count} order(s) at provider {Provider} failed: {Error}", orders.Length, endpoint.Name, ex.Message);
            var error = "Status check failed: " + ex.Message;
            var since = await health.UnreachableAsync(endpoint, error, clock.GetUtcNow());
            Unanswered(endpoint, orders, error, since, progress, reviews);
            return new Checked(endpoint.Name, orders.Length, progress, finishes, reviews);
        }

        await health.ReachableAsync(endpoint);
        foreach (var order in orders)
        {
            Apply(order, answers.GetValueOrDefault(order.ProviderOrderId!), progress, finishes, reviews);
        }

        return new Checked(endpoint.Name, orders.Length, progress, finishes, reviews);
    }

    /// <summary>
    /// A status call that failed: asked again soon, unless the provider has been failing every call for
    /// <see cref="TrackingOptions.UnreachableReviewAfter"/> while the order was there; then a person must look.
    /// </summary>
    private void Unanswered(ProviderEndpoint endpoint, TrackedOrder[] orders, string error, DateTimeOffset? unreachableSince,
        List<Progress> progress, List<(long, string)> reviews)
    {
        var o = options.Value;
        var now = clock.GetUtcNow();
        foreach (var order in orders)
        {
            var since = unreachableSince is { } s && s > order.DispatchedAt ? s : order.DispatchedAt;
            if (unreachableSince is not null && now - since >= o.UnreachableReviewAfter)
            {
                // The provider accepted this order and may still deliver it: sending it again would be a second order.
                reviews.Add((order.Id, $"Provider {endpoint.Name} has failed every status call since {unreachableSince:u} ({error}); " +
                    $"this order's status is unknown for {(now - since).TotalHours:0} hours. The provider has the order: check it there, then settle it " +
                    "by hand (release_order(id, 'refund') only if the provider did not deliver it); never retry it, that would send it twice."));
            }
            else
            {
                progress.Add(new Progress(order.Id, null, null, null, now + o.MinInterval, error));
            }
        }
    }

    private void Apply(TrackedOrder order, StatusResult? answer, List<Progress> progress, List<Finish> finishes, List<(long, string)> reviews)
    {
        var now = clock.GetUtcNow();
        var o = options.Value;
        var age = now - order.DispatchedAt;
        var detail = new { provider_status = answer?.RawStatus, remains = answer?.Remains, start_count = answer?.StartCount };
        var state = answer?.State ?? ProviderOrderState.Unknown;
        // A finish records the provider's words on the order itself, so a finishing order is written once.
        Finish End(string status, long? remains, string? error) =>
            new(order.Id, status, remains, error, detail, answer!.RawStatus, answer.StartCount);
        switch (state)
        {
            case ProviderOrderState.Completed:
                finishes.Add(End("completed", answer!.Remains, null));
                return;
            case ProviderOrderState.Partial when answer!.Remains is { } remains:
                finishes.Add(End("partial", remains, null));
                return;
            case ProviderOrderState.Canceled or ProviderOrderState.Refunded:
                finishes.Add(End("canceled", answer!.Remains, $"The provider canceled the order ({answer.RawStatus}); refunded in full."));
                return;
            case ProviderOrderState.Failed:
                finishes.Add(End("failed", answer!.Remains, $"The provider reported the order as failed ({answer.RawStatus}); refunded in full."));
                return;
        }

        progress.Add(new Progress(order.Id, answer?.RawStatus, answer?.StartCount, answer?.Remains, now + NextInterval(age), answer?.Error));
        if (state == ProviderOrderState.Partial)
        {
            reviews.Add((order.Id, "The provider reports the order as Partial without saying how much remains; a person must decide the refund."));
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

    /// <summary>
    /// A pass writes each provider's row at most once per outcome: the first failed call marks it unreachable (and
    /// says since when), the first answered call clears that. A database failure here is logged, never fatal: the
    /// orders' own outcomes matter more.
    /// </summary>
    private sealed class PassHealth(ProviderStore providers, ILogger logger)
    {
        private readonly ConcurrentDictionary<long, Lazy<Task<DateTimeOffset?>>> _unreachable = new();
        private readonly ConcurrentDictionary<long, Lazy<Task>> _reachable = new();

        public Task<DateTimeOffset?> UnreachableAsync(ProviderEndpoint endpoint, string error, DateTimeOffset now) =>
            _unreachable.GetOrAdd(endpoint.Id, _ => new(() => MarkAsync(endpoint, error, now))).Value;

        public Task ReachableAsync(ProviderEndpoint endpoint) =>
            _reachable.GetOrAdd(endpoint.Id, _ => new(() => ClearAsync(endpoint))).Value;

        private async Task<DateTimeOffset?> MarkAsync(ProviderEndpoint endpoint, string error, DateTimeOffset now)
        {
            try
            {
                return await providers.RecordUnreachableAsync(endpoint.Id, error, now, CancellationToken.None);
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                logger.LogWarning("Provider {Provider}: its failure could not be recorded ({Error})", endpoint.Name, ex.Message);
                return null;
            }
        }

        private async Task ClearAsync(ProviderEndpoint endpoint)
        {
            try
            {
                await providers.RecordReachableAsync(endpoint.Id, CancellationToken.None);
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                logger.LogWarning("Provider {Provider}: its recovery could not be recorded ({Error})", endpoint.Name, ex.Message);
            }
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
