using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Logging;

namespace Fulfillment.Engine.Dispatch;

/// <summary>
/// The batches a pass has handed to their sends: how many orders may go out beside them, the waits for room, and their recording.
/// Never more than a batch marked sending at once, nor more than two batches' answers not yet recorded (what a crash would leave to
/// review). The batches are looked at once per question: one may finish between a count and a wait.
/// </summary>
internal sealed class BatchesInFlight(int batchSize)
{
    private readonly List<Batch> _batches = [];

    /// <summary>One claimed batch handed to its sends: when its adds are all answered, and when its outcomes are recorded.</summary>
    private sealed record Batch(Task Sent, Task Done, int Orders);

    /// <summary>The first batch that could not be sent or recorded, if any: then nothing more is sent.</summary>
    public Exception? Failure { get; private set; }

    /// <summary>Set while <see cref="AllRecordedAsync"/> rethrows the failure it found (the pass must not handle it twice).</summary>
    public bool Rethrowing { get; private set; }

    public void Add(Task sent, Task done, int orders) => _batches.Add(new Batch(sent, done, orders));

    /// <summary>How many orders may be marked and sent now beside the batches still out.</summary>
    public int Room()
    {
        Prune();
        var unrecorded = _batches.Where(b => !b.Done.IsCompleted).ToList();
        return Room(unrecorded, [.. unrecorded.Where(b => !b.Sent.IsCompleted)]);
    }

    /// <summary>Waits until <paramref name="orders"/> fit beside the batches out; false when a batch failed or the pass is stopping.</summary>
    public async Task<bool> WaitForRoomAsync(int orders, CancellationToken ct)
    {
        while (Prune() is null)
        {
            var unrecorded = _batches.Where(b => !b.Done.IsCompleted).ToList();
            var sending = unrecorded.Where(b => !b.Sent.IsCompleted).ToList();
            if (orders <= Room(unrecorded, sending))
            {
                break;
            }

            await Task.WhenAny(sending.Select(b => b.Sent).Concat(unrecorded.Select(b => b.Done)));
        }

        return Failure is null && !ct.IsCancellationRequested;
    }

    /// <summary>A claim found nothing: waits for a new order or for the adds out; false when there is nothing to wait for.</summary>
    public async Task<bool> WaitForNudgeOrAddsAsync(Task nudged, CancellationToken ct)
    {
        if (Prune() is not null || _batches.Count == 0)
        {
            return false;
        }

        try
        {
            await Task.WhenAny(nudged, Task.WhenAll(_batches.Select(b => b.Done))).WaitAsync(ct);
            return true;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Waits until every batch is recorded (or could not be); the first failure is rethrown when asked, every other is logged.</summary>
    public async Task AllRecordedAsync(ILogger logger, bool rethrow)
    {
        var first = Failure;
        foreach (var batch in _batches)
        {
            try
            {
                await batch.Done;
            }
            catch (Exception ex)
            {
                if (first is null && rethrow)
                {
                    first = ex;
                }
                else if (!ReferenceEquals(ex, first))
                {
                    logger.LogError(ex, "Recording add outcomes failed; those orders are recovered after Dispatch:AbandonedAfter");
                }
            }
        }

        _batches.Clear();
        if (rethrow && first is not null)
        {
            Rethrowing = true;
            ExceptionDispatchInfo.Throw(first);
        }
    }

    private int Room(List<Batch> unrecorded, List<Batch> sending) =>
        Math.Max(0, Math.Min(batchSize - sending.Sum(b => b.Orders), (2 * batchSize) - unrecorded.Sum(b => b.Orders)));

    /// <summary>Drops the batches recorded; notes the first failure of one that could not be sent or recorded.</summary>
    private Exception? Prune()
    {
        Failure ??= _batches.FirstOrDefault(b => b.Done.IsFaulted)?.Done.Exception?.InnerException;
        _batches.RemoveAll(b => b.Done.IsCompletedSuccessfully);
        return Failure;
    }
}
