using System.Collections.Concurrent;

namespace Fulfillment.Engine.Heartbeat;

/// <summary>
/// What this instance has been doing, per job: runs, failures, the last run. The heartbeat
/// publishes it in <c>engine_instances.info</c> for the panel's admin page.
/// </summary>
public sealed class EngineActivity
{
    private readonly ConcurrentDictionary<string, JobStats> _jobs = new(StringComparer.Ordinal);

    public void Record(string job, DateTimeOffset startedAt, TimeSpan elapsed, bool succeeded, DateTimeOffset? scheduledFor)
    {
        var stats = _jobs.GetOrAdd(job, _ => new JobStats());
        lock (stats)
        {
            stats.Runs++;
            if (!succeeded)
            {
                stats.Failures++;
            }

            stats.LastStartedAt = startedAt;
            stats.LastElapsedMs = (long)elapsed.TotalMilliseconds;
            stats.LastSucceeded = succeeded;
            if (scheduledFor is { } at)
            {
                stats.ScheduledFireTimes.Add(at);
            }
        }
    }

    public IReadOnlyDictionary<string, JobStatsSnapshot> Snapshot() =>
        _jobs.ToDictionary(kv => kv.Key, kv =>
        {
            lock (kv.Value)
            {
                return new JobStatsSnapshot(kv.Value.Runs, kv.Value.Failures, kv.Value.LastStartedAt, kv.Value.LastElapsedMs,
                    kv.Value.LastSucceeded, [.. kv.Value.ScheduledFireTimes]);
            }
        });

    private sealed class JobStats
    {
        public long Runs;
        public long Failures;
        public DateTimeOffset? LastStartedAt;
        public long LastElapsedMs;
        public bool LastSucceeded;

        // Kept small: only the most recent fire times matter (tests check no fire ran twice in a cluster).
        public readonly BoundedList<DateTimeOffset> ScheduledFireTimes = new(256);
    }

    public sealed record JobStatsSnapshot(
        long Runs, long Failures, DateTimeOffset? LastStartedAt, long LastElapsedMs, bool LastSucceeded,
        IReadOnlyList<DateTimeOffset> RecentScheduledFireTimes);

    private sealed class BoundedList<T>(int capacity) : List<T>
    {
        public new void Add(T item)
        {
            if (Count == capacity)
            {
                RemoveAt(0);
            }

            base.Add(item);
        }
    }
}
