using System.Collections.Concurrent;
using System.Threading.Channels;
using Fulfillment.Data.Entities;
using Fulfillment.Engine.Configuration;
using Fulfillment.Engine.Database;
using Fulfillment.Engine.Lifecycle;
using Fulfillment.Engine.Lifecycle.Decisions;
using Fulfillment.Engine.ProviderWatch;
using Fulfillment.Engine.Telemetry;
using Fulfillment.Providers;
using Fulfillment.Providers.Smm;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Fulfillment.Engine.Tracking;

/// <summary>
/// One status pass: claims due in-progress orders, asks each provider with multi-status calls of
/// at most <see cref="SmmActions.MaxIdsPerCall"/> ids, records the provider's words, finishes what ended (refunds included) and
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
            await store.RecordAsync([.. unusable.Select(o => new OrderChange.ToReview(o.Id, OrderStatus.InProgress,
                "In progress without a usable provider order id or a usable provider row; a person must check it."))], now, CancellationToken.None);
        }

        var health = new PassHealth(providers, logger);
        var tally = new Tally();
        var calls = due
            .Where(d => d.Provider?.Endpoint is not null && ProviderText.IdProblem(d.ProviderOrderId) is null)
            .GroupBy(d => d.Provider!.Id)
            .SelectMany(g => g.Chunk(SmmActions.MaxIdsPerCall).Select(chunk => (Endpoint: g.First().Provider!.Endpoint!, Orders: chunk)))
            .ToList();

        // Each call's answers are recorded as soon as a writer is free, merged with whatever other calls
        // answered meanwhile (one transaction for several calls): a slow or failing provider holds back
        // nobody else's orders, and a busy database gets fewer, larger transactions.
        var answered = Channel.CreateUnbounded<Checked>(new UnboundedChannelOptions { SingleWriter = false, SingleReader = false });
        var writers = Enumerable.Range(0, RecordWriters).Select(_ => Task.Run(() => RecordAsync(answered.Reader, tally), CancellationToken.None)).ToArray();
        try
        {
            await Parallel.ForEachAsync(calls, new ParallelOptions { MaxDegreeOfParallelism = o.MaxParallelCalls, CancellationToken = ct },
                async (call, token) => answered.Writer.TryWrite(await CheckAsync(call.Endpoint, call.Orders, health, tally, token)));
        }
        finally
        {
            answered.Writer.Complete();
            await Task.WhenAll(writers);
        }

        if (tally.Finished + tally.Review + tally.Unrecognised + tally.FailedCalls > 0)
        {
            logger.LogInformation(
                "Checked {Count} order(s) in {Calls} call(s): {Finished} finished, {Review} to review, {Unrecognised} with a status word not recognised " +
                "(recorded, asked again), {Failed} call(s) failed", due.Count, calls.Count, tally.Finished, tally.Review, tally.Unrecognised, tally.FailedCalls);
        }
    }

    /// <summary>What a batch's calls came to, for its one log line.</summary>
    private sealed class Tally
    {
        public int Finished;
        public int Review;
        public int Unrecognised;
        public int FailedCalls;
    }

    /// <summary>One call's outcome, to be recorded.</summary>
    private sealed record Checked(string Provider, int Orders, List<OrderChange> Changes);

    private async Task RecordAsync(ChannelReader<Checked> answered, Tally tally)
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

            // An answer the database refuses fails alone (RowByRow): its order goes to review with the reason.
            List<OrderChange> changes = [.. batch.SelectMany(b => b.Changes)];
            var putAside = await RowByRow.WriteAsync(changes,
                some => store.RecordAsync(some, clock.GetUtcNow(), CancellationToken.None),
                (change, reason) => store.PutAsideAsync(change.OrderId,
                    $"The provider's status answer could not be recorded ({reason}); last answer: {OrderChange.Describe(change)}. A person must check the order at the provider.",
                    clock.GetUtcNow()),
                change => $"order {change.OrderId}", logger, "Recording status answers");
            metrics.Finished(changes.Except(putAside).OfType<OrderChange.Finished>().Select(f => f.Finish.Status));
            Interlocked.Add(ref tally.Finished, changes.Except(putAside).Count(c => c is OrderChange.Finished));
            Interlocked.Add(ref tally.Review, changes.Count(c => c is OrderChange.ToReview) + putAside.Count);
        }
    }

    private async Task<Checked> CheckAsync(ProviderEndpoint endpoint, TrackedOrder[] orders, PassHealth health, Tally tally, CancellationToken ct)
    {
        var o = options.Value;
        IReadOnlyDictionary<string, StatusResult> answers;
        try
        {
            answers = await client.GetStatusesAsync(endpoint, orders.Select(x => x.ProviderOrderId!).Distinct().ToArray(), ct);
        }
        catch (Exception ex) when (ex is ProviderCallException or HttpRequestException or TimeoutException)
        {
            logger.LogDebug("Status check of {Count} order(s) at provider {Provider} failed: {Error}", orders.Length, endpoint.Name, ex.Message);
            Interlocked.Increment(ref tally.FailedCalls);
            var error = "Status check failed: " + ex.Message;
            var since = await health.UnreachableAsync(endpoint, error, ProviderFailures.Of(ex), clock.GetUtcNow());
            return new Checked(endpoint.Name, orders.Length,
                [.. orders.Select(order => StatusAnswers.Unanswered(order, endpoint.Name, error, since, o, clock.GetUtcNow()))]);
        }

        await health.ReachableAsync(endpoint);
        var changes = new List<OrderChange>();
        foreach (var order in orders)
        {
            var answer = answers.GetValueOrDefault(order.ProviderOrderId!);
            if (answer is { State: ProviderOrderState.Unknown, RawStatus: { } raw })
            {
                // Never final: recorded verbatim and asked again.
                logger.LogDebug("Order {OrderId}: unrecognised provider status '{Status}'; it is recorded and checked again", order.Id, raw);
                Interlocked.Increment(ref tally.Unrecognised);
            }

            changes.AddRange(StatusAnswers.Decide(order, answer, o, clock.GetUtcNow()));
        }

        return new Checked(endpoint.Name, orders.Length, changes);
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

        public Task<DateTimeOffset?> UnreachableAsync(ProviderEndpoint endpoint, string error, ProviderFailure failure, DateTimeOffset now) =>
            _unreachable.GetOrAdd(endpoint.Id, _ => new(() => MarkAsync(endpoint, error, failure, now))).Value;

        public Task ReachableAsync(ProviderEndpoint endpoint) =>
            _reachable.GetOrAdd(endpoint.Id, _ => new(() => ClearAsync(endpoint))).Value;

        private async Task<DateTimeOffset?> MarkAsync(ProviderEndpoint endpoint, string error, ProviderFailure failure, DateTimeOffset now)
        {
            try
            {
                return await providers.RecordUnreachableAsync(endpoint.Id, error, now, CancellationToken.None, failure);
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
}
