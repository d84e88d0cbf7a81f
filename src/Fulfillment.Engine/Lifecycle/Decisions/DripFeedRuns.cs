using System.Text.Json;
using Fulfillment.Data.Entities;
using static Fulfillment.Data.Entities.OrderStatus;

namespace Fulfillment.Engine.Lifecycle.Decisions;

/// <param name="IntervalUnit">How long one minute of params.interval lasts: a minute (shorter only for rehearsals and the demo).</param>
/// <param name="CheckInterval">How often a running parent is looked at when no run is due sooner.</param>
/// <param name="MaxFailedRunsInARow">After this many runs in a row were not delivered (failed, or canceled upstream), no further run is created.</param>
public sealed record DripFeedSettings(TimeSpan IntervalUnit, TimeSpan CheckInterval, int MaxFailedRunsInARow);

/// <summary>What one look at a parent does: order changes (runs created or canceled, the parent's progress or finish), cancels to
/// ask of the provider for runs in progress, and the parent's own cancel request settled when it finishes.</summary>
public sealed record DripFeedStep(IReadOnlyList<OrderChange> Changes, IReadOnlyList<long> CancelRuns, RequestUpdate? SettleCancel = null);

/// <summary>
/// Drip-feed the engine runs itself. Whether a service's drip-feed is emulated (<see cref="Emulates"/>), and what a look at
/// an emulated parent does (<see cref="Decide"/>): run k is created <c>interval</c> minutes after run k−1 was accepted, and
/// never before run k−1 has ended (a run in review counts as ended for the schedule: it was sent); the parent's remains and
/// start count aggregate its runs; it finishes once every run has ended, refunded by the rule on its total units.
/// </summary>
public static class DripFeedRuns
{
    /// <summary>auto: native where the provider's stored service list says it offers drip-feed, emulated otherwise.</summary>
    public static bool Emulates(string mode, bool providerOffersIt) => mode switch
    {
        DripFeedMode.Emulated => true,
        DripFeedMode.Native => false,
        _ => !providerOffersIt,
    };

    public static DripFeedStep Decide(DripFeedParent parent, DripFeedSettings settings, DateTimeOffset now)
    {
        var runs = parent.RunList.OrderBy(r => r.Number).ToList();
        var stop = StopReason(parent);
        var changes = new List<OrderChange>();
        var cancelRuns = new List<long>();
        var stopped = new HashSet<long>();
        if (stop is not null)
        {
            // Runs not sent yet are canceled here (only those this pass holds: one being claimed right now is looked at next time).
            foreach (var run in runs.Where(r => r.LockedHere && r.Status is Pending or Held))
            {
                stopped.Add(run.Id);
                changes.Add(new OrderChange.Finished(new Finish(run.Id, Canceled, null,
                    $"Not sent: drip-feed order {parent.Id} was stopped ({stop}).", new { stage = "dripfeed", parent_id = parent.Id }, Reason: stop)));
            }

            // The run in progress is asked to stop at the provider where the service allows it (a blocked account's are asked by block handling).
            if (stop == UserReason.CanceledByUser && parent.ServiceCancel)
            {
                cancelRuns.AddRange(runs.Where(r => r.Status == InProgress && !r.CancelAsked).Select(r => r.Id));
            }
        }

        var after = runs.Select(r => stopped.Contains(r.Id) ? r with { Status = Canceled } : r).ToList();
        var last = after.LastOrDefault();
        var open = after.Where(r => !IsTerminal(r.Status)).ToList();
        var inReview = after.Where(r => r.Status == Review).ToList();
        var failedInARow = after.AsEnumerable().Reverse().TakeWhile(r => r.Status is Failed or Canceled).Count();
        var created = after.Count;
        DateTimeOffset? nextRunAt = null;
        string? error = inReview.Count > 0
            ? $"Run {inReview[0].Number} (order {inReview[0].Id}) is in review: a person must settle it (release_order) before this order can finish."
            : null;
        var finish = false;
        if (stop is not null)
        {
            finish = open.Count == 0;
            error ??= finish ? null : $"Stopping ({stop}): no further runs; waiting for run {open[0].Number} (order {open[0].Id}, {open[0].Status}) to end.";
        }
        else if (last is null)
        {
            // A start always creates run 1; should it be missing (a parent released from review), it is created now.
            changes.Add(new OrderChange.RunCreated(parent.Id, 1));
            created++;
            nextRunAt = now;
        }
        else if (last.Status is Review || IsTerminal(last.Status))
        {
            if (last.Number < parent.Runs && failedInARow < settings.MaxFailedRunsInARow)
            {
                var due = Anchor(last) + (parent.IntervalMinutes * settings.IntervalUnit);
                if (now >= due)
                {
                    changes.Add(new OrderChange.RunCreated(parent.Id, last.Number + 1));
                    created++;
                    nextRunAt = now;
                }
                else
                {
                    nextRunAt = due;
                }
            }
            else
            {
                finish = open.Count == 0;
            }
        }

        var remains = Remains(parent, after);
        var delivered = ((long)parent.Runs * parent.Quantity) - remains;
        var startCount = after.FirstOrDefault(r => r.StartCount is not null)?.StartCount;
        var progress = JsonSerializer.Serialize(new
        {
            dripfeed = new
            {
                runs = parent.Runs,
                created,
                finished = after.Count(r => IsTerminal(r.Status)),
                delivered,
                next_run_at = finish || stop is not null ? null : nextRunAt,
            },
        });
        var nextLook = nextRunAt is { } at && at > now && at < now + settings.CheckInterval ? at : now + settings.CheckInterval;
        changes.Add(new OrderChange.RunsProgressed(parent.Id, remains, startCount, nextLook, finish ? null : error, progress));
        if (!finish)
        {
            return new DripFeedStep(changes, cancelRuns);
        }

        var gaveUpAfter = stop is null && last is not null && last.Number < parent.Runs ? failedInARow : 0;
        var end = End(parent, after, stop, remains, delivered, gaveUpAfter);
        changes.Add(new OrderChange.Finished(end with { StartCount = startCount }));
        var settle = parent.CancelRequestId is { } request
            ? end.Status == Completed
                ? new RequestUpdate(request, OrderRequestStatus.Rejected, null, "Every run had been delivered before the cancel took effect.", null)
                : new RequestUpdate(request, OrderRequestStatus.Done, null, $"Stopped: {created} of {parent.Runs} runs were created; what was not delivered is refunded.", null)
            : null;
        return new DripFeedStep(changes, cancelRuns, settle);
    }

    /// <summary>
    /// What is left to deliver, in units: a run completed or partial leaves its remains (clamped to 0..quantity: over-delivery
    /// is not charged, and does not make up for another run); a run failed or canceled leaves all of it (the failed-run rule:
    /// skipped and refunded); a run still open leaves what the provider last said, or all of it; a run never created, all of it.
    /// </summary>
    public static long Remains(DripFeedParent parent, IReadOnlyList<DripFeedRun> runs)
    {
        long q = parent.Quantity;
        var left = runs.Sum(r => r.Status switch
        {
            Completed or Partial => Math.Clamp(r.Remains ?? 0, 0, q),
            Canceled or Failed => q,
            _ => Math.Clamp(r.Remains ?? q, 0, q),
        });
        return left + (Math.Max(0, parent.Runs - runs.Count) * q);
    }

    /// <summary>The run's start for the schedule: accepted, else sent (its answer was lost), else ended, else created.</summary>
    private static DateTimeOffset Anchor(DripFeedRun run) => run.AcceptedAt ?? run.SentAt ?? run.FinishedAt ?? run.CreatedAt;

    private static string? StopReason(DripFeedParent parent) => parent.UserStatus switch
    {
        UserStatus.Blocked => UserReason.AccountBlocked,
        UserStatus.Active => parent.CancelRequestId is null ? null : UserReason.CanceledByUser,
        _ => UserReason.NotDelivered,
    };

    /// <summary>
    /// The parent's end, refunded by fulfillment_finish_orders against its charged units (quantity × runs): nothing left is
    /// completed; nothing delivered is canceled (stopped) or failed, refunded in full; otherwise partial, refunded
    /// charge × remains / units, rounded down once.
    /// </summary>
    private static Finish End(DripFeedParent parent, List<DripFeedRun> runs, string? stop, long remains, long delivered, int gaveUpAfter)
    {
        var whole = runs.Count(r => r.Status == Completed || (r.Status == Partial && r.Remains <= 0));
        var part = runs.Count(r => r.Status == Partial && r.Remains > 0);
        var summary = $"{whole} of {parent.Runs} runs delivered in full, {part} in part, {parent.Runs - whole - part} not delivered " +
            $"(failed, canceled or never sent); {remains} of {(long)parent.Runs * parent.Quantity} units undelivered and refunded.";
        var why = stop is not null ? $"Stopped ({stop}) after {runs.Count} of {parent.Runs} runs. "
            : gaveUpAfter > 0 ? $"Stopped after {gaveUpAfter} runs in a row were not delivered (the last: {runs[^1].Error ?? runs[^1].Status}). "
            : "";
        var detail = new { stage = "dripfeed", runs = parent.Runs, created = runs.Count, delivered };
        if (remains == 0)
        {
            return new Finish(parent.Id, Completed, 0, null, detail);
        }

        return delivered <= 0
            ? new Finish(parent.Id, stop is null ? Failed : Canceled, remains, why + summary, detail, Reason: stop ?? UserReason.NotDelivered)
            : new Finish(parent.Id, Partial, remains, why + summary, detail, Reason: stop ?? UserReason.PartiallyDelivered);
    }
}
