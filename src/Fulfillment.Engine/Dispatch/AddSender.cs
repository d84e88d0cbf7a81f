using System.Collections.Concurrent;
using Fulfillment.Data.Entities;
using Fulfillment.Engine.Configuration;
using Fulfillment.Engine.Dispatch.Sql;
using Fulfillment.Engine.Heartbeat;
using Fulfillment.Engine.Lifecycle;
using Fulfillment.Engine.Lifecycle.Decisions;
using Fulfillment.Providers.Resilience;
using Fulfillment.Providers.Smm;
using Fulfillment.Providers.SmsActivate;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Fulfillment.Engine.Dispatch;

/// <summary>A batch's sends and their outcomes, to be recorded, with what they said about each provider's health.</summary>
public sealed record SentBatch(IReadOnlyList<ToSend> Sent, IReadOnlyList<SendResult> Results, IReadOnlyList<ProviderHealth> Health)
{
    public static SentBatch Empty { get; } = new([], [], []);
}

/// <summary>
/// Sends a claimed batch: marks what the claim did not (an attempt per order, the last write before the requests leave), puts back
/// what may no longer go, then sends every add or rent in parallel and decides each outcome.
/// </summary>
public sealed class AddSender(
    NpgsqlDataSource db,
    ISmmClient client,
    ISmsActivateClient sms,
    InstanceIdentity identity,
    HeldOrders held,
    IOptions<DispatchOptions> options,
    IOptions<TrackingOptions> tracking,
    IOptions<ActivationOptions> activations,
    IOptionsMonitor<ProviderResilienceOptions> providerOptions,
    TimeProvider clock,
    ILogger<AddSender> logger)
{
    /// <summary>Marks (when the claim did not) and sends. Only the marking can throw: then nothing of this batch was sent.</summary>
    public async Task<SentBatch> SendAsync(ClaimResult claim)
    {
        if (claim.Orders.Count == 0)
        {
            return SentBatch.Empty;
        }

        // From the mark on the requests may leave: a crash now sends these orders to review, never twice.
        var toSend = claim.Marked ? claim.Orders : await MarkAsync(claim.Orders);
        var results = new ConcurrentBag<SendResult>();
        var health = new ConcurrentBag<ProviderHealth>();
        // Sends are not cancelled by shutdown once started: an add cut off mid-flight would be an unknown outcome.
        await Parallel.ForEachAsync(toSend, new ParallelOptions { MaxDegreeOfParallelism = options.Value.MaxParallelSends }, async (item, _) =>
        {
            var (result, said) = await SendOneAsync(item);
            results.Add(result);
            if (said is not null)
            {
                health.Add(said);
            }
        });

        return new SentBatch(toSend, [.. results], [.. health]);
    }

    /// <summary>
    /// Marks the orders of a claim made ahead: only those still ours (one may have been recovered by someone else meanwhile) and not
    /// blocked or canceled since the claim. The others go back to pending, where the next claim's checks see the block or the cancel.
    /// </summary>
    private async Task<IReadOnlyList<ToSend>> MarkAsync(IReadOnlyList<ToSend> orders)
    {
        var attempts = await MarkSending.MarkAsync(db, identity.Id, [.. orders.Where(o => o.AttemptId is null).Select(o => o.Start)], clock.GetUtcNow(),
            CancellationToken.None);
        var marked = orders.Select(o => o.AttemptId is null && attempts.TryGetValue(o.Order.Id, out var a) ? o with { AttemptId = a } : o).ToList();
        var notMarked = marked.Where(o => o.AttemptId is null).Select(o => o.Order.Id).ToArray();
        if (notMarked.Length > 0)
        {
            logger.LogInformation("{Count} claimed order(s) were not sent: blocked, canceled or no longer this instance's since the claim", notMarked.Length);
            await ReleaseAsync(notMarked);
        }

        return [.. marked.Where(o => o.AttemptId is not null)];
    }

    /// <summary>Puts claimed orders that will not be sent back to pending (best effort: recovery does it otherwise).</summary>
    public async Task ReleaseAsync(long[] orderIds)
    {
        if (orderIds.Length == 0)
        {
            return;
        }

        try
        {
            var released = await ReleaseUnsent.ReleaseAsync(db, identity.Id, orderIds, clock.GetUtcNow(), CancellationToken.None);
            logger.LogInformation("{Count} claimed order(s) were not sent and went back to pending", released);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            logger.LogWarning("{Count} claimed order(s) could not be put back to pending ({Error}); recovery will", orderIds.Length, ex.Message);
        }
        finally
        {
            held.Forget(orderIds);
        }
    }

    private async Task<(SendResult Result, ProviderHealth? Health)> SendOneAsync(ToSend item)
    {
        var attempt = item.AttemptId!.Value;
        try
        {
            switch (item.Send)
            {
                case DispatchDecision.Send send:
                    var added = await client.AddAsync(send.Provider, send.Request, CancellationToken.None);
                    var change = AddOutcomes.ForAdd(item.Order, send.Provider.Name, added, Settings(send.Provider.Name), clock.GetUtcNow());
                    WarnOfResend(item.Order, send.Provider.Name, added, change);
                    return (new SendResult(change, AttemptAnswers.Of(attempt, added)), ProviderHealth.Of(send.Provider, added));
                case DispatchDecision.Rent rent:
                    var rented = await sms.GetNumberAsync(rent.Provider, rent.ServiceCode, rent.Country, CancellationToken.None);
                    return (new SendResult(AddOutcomes.ForRent(item.Order, rent.Provider.Name, rented, Settings(rent.Provider.Name), clock.GetUtcNow()),
                        AttemptAnswers.Of(attempt, rented)), ProviderHealth.Of(rent.Provider, rented));
                default:
                    throw new InvalidOperationException($"Unexpected decision {item.Send.GetType().Name}.");
            }
        }
        catch (Exception ex)
        {
            // The clients report provider failures as outcomes; anything else is a bug, and the request may have left.
            logger.LogError(ex, "Order {OrderId}: sending failed unexpectedly", item.Order.Id);
            var why = "The engine failed while sending (" + ex.GetType().Name + "); the provider may have received the order.";
            return (new SendResult(new OrderChange.ToReview(item.Order.Id, OrderStatus.Dispatching,
                why + " Check it, then call release_order(id, 'retry') or release_order(id, 'refund')."), AttemptAnswers.Failed(attempt, why)), null);
        }
    }

    private AddSettings Settings(string providerName) => new(options.Value, tracking.Value.FirstCheckAfter, activations.Value.CheckInterval,
        providerOptions.Get(providerName).AllowResendOnUnknown);

    /// <summary>A send whose lost answer makes it go out again, as configured, is noted at Debug (the batch line counts it as deferred).</summary>
    private void WarnOfResend(ClaimedOrder order, string providerName, AddOutcome outcome, OrderChange change)
    {
        if (change is OrderChange.Deferred && outcome is AddOutcome.Unknown unknown)
        {
            logger.LogDebug("Order {OrderId}: the answer of provider {Provider} was lost ({Reason}); resending as configured",
                order.Id, providerName, unknown.Reason);
        }
    }
}
