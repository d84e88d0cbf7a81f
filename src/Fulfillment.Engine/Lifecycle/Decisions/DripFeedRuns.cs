using System.Text.Json;
using Fulfillment.Data.Entities;
using static Fulfillment.Data.Entities.OrderStatus;

namespace Fulfillment.Engine.Lifecycle.Decisions;

/// <param name="IntervalUnit">How long one minute of params.interval lasts: a minute (shorter only for rehearsals and the demo).</param>
/// <param name="CheckInterval">How often a running parent is looked at when no run is due sooner.</param>
/// <param name="MaxFailedRunsInARow">After this many runs in a row were not delivered (failed, or canceled upstream), no further run is created.</param>
public sealed record DripFeedSettings(TimeSpan IntervalUnit, TimeSpan CheckInterval, int MaxFailedRunsInARow);

/// <summary>What one look at a parent does: order changes (a run created, the parent's progress or finish), and the parent's own
/// cancel request settled when it finishes.</summary>
public sealed record DripFeedStep(IReadOnlyList<OrderChange> Changes, RequestUpdate? SettleCancel = null);

/// <summary>
/// Drip-feed the engine runs itself. Whether a drip-feed is emulated (<see cref="Emulates"/>), and what a look at an emulated parent
/// does (<see cref="Decide"/>): run k is created <c>interval</c> minutes after run k−1 was accepted, and never before run k−1 has
/// ended (a run in review counts as ended for the schedule: it was sent); the parent's remains and start count aggregate its runs;
/// it finishes once every run has ended, refunded by the rule on its total units. A stopping parent (canceled, refunded after review,
/// its account blocked or gone) was closed by fulfillment_close_parents: it creates no run and ends when its runs have.
/// </summary>
public static class DripFeedRuns
{
    /// <summary>
    /// auto: native where the stored service list of the route the order goes out on says it offers drip-feed; emulated where it
    /// says it does not, does not say, or holds no list.
    /// </summary>
    public static bool Emulates(string mode, bool? routeOffersIt) => mode switch
    {
        DripFeedMode.Emulated => true,
        DripFeedMode.Native => false,
        _ => routeOffersIt != true,
    };

    /// <summary>Why a parent stops (a user-facing reason), or null while it runs.</summary>
    public static string? StopReason(DripFeedParent parent) => parent.UserStatus switch
    {
        UserStatus.Blocked => UserReason.AccountBlocked,
        UserStatus.Active => parent.CancelRequestId is null ? null : parent.CancelReason ?? UserReason.CanceledByUser,
        _ => UserReason.NotDelivered,
    };

    public static DripFeedStep Decide(DripFeedParent parent, DripFeedSettings settings, DateTimeOffset now)
    {
        var runs = parent.RunList.OrderBy(r => r.Number).ToList();
        var stop = StopReason(parent);
        var open = runs.Where(r => !IsTerminal(r.Status)).ToList();
        var next = stop is null ? Next(parent, runs, settings, now) : new NextRun(null, null, open.Count == 0);
        var changes = new List<OrderChange>();
        if (next.Create is { } number)
        {
            changes.Add(new OrderChange.RunCreated(parent.Id, number));
        }

        var created = runs.Count + (next.Create is null ? 0 : 1);
        var remains = Remains(parent, runs);
        var delivered = ((long)parent.Runs * parent.Quantity) - remains;
        var startCount = runs.FirstOrDefault(r => r.StartCount is not null)?.StartCount;
        var nextLook = next.DueAt is { } at && at > now && at < now + settings.CheckInterval ? at : now + settings.CheckInterval;
        changes.Add(new OrderChange.RunsProgressed(parent.Id, remains, startCount, nextLook, next.Finish ? null : Waiting(runs, open, stop),
            Progress(parent, runs, created, delivered, next.Finish || stop is not null ? null : next.DueAt)));
        if (!next.Finish)
        {
            return new DripFeedStep(changes);
        }

        var failedInARow = runs.AsEnumerable().Reverse().TakeWhile(r => r.Status is Failed or Canceled).Count();
        var gaveUpAfter = stop is null && runs.Count > 0 && runs[^1].Number < parent.Runs ? failedInARow : 0;
        var end = End(parent, runs, stop, remains, delivered, gaveUpAfter);
        changes.Add(new OrderChange.Finished(end with { StartCount = startCount }));
        return new DripFeedStep(changes, Settle(parent, end, created));
    }

    /// <summary>The run to create now (its number), when the next one is due, and whether the parent ends.</summary>
    private sealed record NextRun(int? Create, DateTimeOffset? DueAt, bool Finish);

    private static NextRun Next(DripFeedParent parent, List<DripFeedRun> runs, DripFeedSettings settings, DateTimeOffset now)
    {
        if (runs.LastOrDefault() is not { } last)
        {
            // A start always creates run 1; should it be missing (a parent released from review), it is created now.
            return new NextRun(1, now, false);
        }

        if (last.Status is not Review && !IsTerminal(last.Status))
        {
            return new NextRun(null, null, false);
        }

        var failedInARow = runs.AsEnumerable().Reverse().TakeWhile(r => r.Status is Failed or Canceled).Count();
        if (last.Number >= parent.Runs || failedInARow >= settings.MaxFailedRunsInARow)
        {
            return new NextRun(null, null, runs.All(r => IsTerminal(r.Status)));
        }

        var due = Anchor(last) + (parent.IntervalMinutes * settings.IntervalUnit);
        return now >= due ? new NextRun(last.Number + 1, now, false) : new NextRun(null, due, false);
    }

    /// <summary>What a parent that is not finishing waits for, in words: a run in review, or the runs a stop waits to end.</summary>
    private static string? Waiting(List<DripFeedRun> runs, List<DripFeedRun> open, string? stop)
    {
        if (runs.FirstOrDefault(r => r.Status == Review) is { } review)
        {
            return $"Run {review.Number} (order {review.Id}) is in review: a person must settle it (release_order) before this order can finish.";
        }

        return stop is not null && open.Count > 0
            ? $"Stopping ({stop}): no further runs; waiting for run {open[0].Number} (order {open[0].Id}, {open[0].Status}) to end."
            : null;
    }

    private static string Progress(DripFeedParent parent, List<DripFeedRun> runs, int created, long delivered, DateTimeOffset? nextRunAt) =>
        JsonSerializer.Serialize(new
        {
            dripfeed = new
            {
                runs = parent.Runs,
                created,
                finished = runs.Count(r => IsTerminal(r.Status)),
                delivered,
                next_run_at = nextRunAt,
            },
        });

    private static RequestUpdate? Settle(DripFeedParent parent, Finish end, int created) => parent.CancelRequestId is { } request
        ? end.Status == Completed
            ? new RequestUpdate(request, OrderRequestStatus.Rejected, null, "Every run had been delivered before the cancel took effect.", null)
            : new RequestUpdate(request, OrderRequestStatus.Done, null, $"Stopped: {created} of {parent.Runs} runs were created; what was not delivered is refunded.", null)
        : null;

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
