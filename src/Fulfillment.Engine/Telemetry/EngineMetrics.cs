using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Diagnostics.Metrics;
using Fulfillment.Data.Entities;

namespace Fulfillment.Engine.Telemetry;

/// <summary>
/// The engine's instruments, on the one <see cref="Meter"/> named <c>Fulfillment</c>, and the totals
/// since start that the heartbeat publishes in <c>engine_instances.info</c>. Counted where outcomes are
/// decided and recorded; queue depths come from the snapshot the heartbeat refreshes (a gauge callback
/// never queries the database).
/// </summary>
public sealed class EngineMetrics
{
    public const string MeterName = "Fulfillment";

    /// <summary>The order statuses whose depth <c>fulfillment.orders.queue</c> reports.</summary>
    public static readonly IReadOnlyList<string> QueueStatuses =
        [OrderStatus.Pending, OrderStatus.Held, OrderStatus.Dispatching, OrderStatus.InProgress, OrderStatus.Review];

    private static readonly FrozenSet<string> RefundingStatuses =
        new[] { OrderStatus.Partial, OrderStatus.Canceled, OrderStatus.Failed }.ToFrozenSet(StringComparer.Ordinal);

    private readonly Counter<long> _dispatched;
    private readonly Counter<long> _finished;
    private readonly Counter<long> _refundFinishes;
    private readonly Histogram<double> _jobDuration;
    private readonly ConcurrentDictionary<string, long> _finishedTotals = new(StringComparer.Ordinal);
    private long _dispatchedTotal;
    private long _acceptedTotal;
    private long _refundFinishesTotal;
    private volatile IReadOnlyDictionary<string, long>? _queue;
    private volatile IReadOnlyDictionary<string, long>? _openAlerts;

    public EngineMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _dispatched = meter.CreateCounter<long>("fulfillment.orders.dispatched", "{order}",
            "Add requests answered, by provider and outcome (accepted, refused_permanent, refused_temporary, rerouted, unknown, held).");
        _finished = meter.CreateCounter<long>("fulfillment.orders.finished", "{order}",
            "Orders this instance finished, by terminal status (completed, partial, canceled, failed).");
        _refundFinishes = meter.CreateCounter<long>("fulfillment.orders.refund_finishes", "{order}",
            "Orders this instance finished with a refunding status (partial, canceled, failed); fulfillment_finish_orders computes the amount and applies it once.");
        _jobDuration = meter.CreateHistogram<double>("fulfillment.job.duration", "s", "How long each engine job run took, by job and whether it succeeded.");
        meter.CreateObservableGauge("fulfillment.orders.queue", ObserveQueue, "{order}",
            "Orders per waiting status, as of this instance's last heartbeat.");
        meter.CreateObservableGauge("fulfillment.alerts.open", ObserveAlerts, "{alert}",
            "Open operator alerts (operator_alerts) per kind, as of this instance's last WatchHealth run.");
    }

    /// <summary>Counts one recorded add outcome: accepted, refused_permanent, refused_temporary, rerouted (on to the next route), held or unknown.</summary>
    public void Dispatched(string provider, string outcome)
    {
        _dispatched.Add(1, new("provider", provider), new("outcome", outcome));
        Interlocked.Increment(ref _dispatchedTotal);
        if (outcome == "accepted")
        {
            Interlocked.Increment(ref _acceptedTotal);
        }
    }

    /// <summary>Counts finishes, by terminal status, once they are recorded (committed).</summary>
    public void Finished(IEnumerable<string> statuses)
    {
        ArgumentNullException.ThrowIfNull(statuses);
        foreach (var status in statuses)
        {
            _finished.Add(1, new KeyValuePair<string, object?>("status", status));
            _finishedTotals.AddOrUpdate(status, 1, (_, n) => n + 1);
            if (RefundingStatuses.Contains(status))
            {
                _refundFinishes.Add(1);
                Interlocked.Increment(ref _refundFinishesTotal);
            }
        }
    }

    public void JobRan(string job, TimeSpan elapsed, bool succeeded) =>
        _jobDuration.Record(elapsed.TotalSeconds, new("job", job), new("succeeded", succeeded));

    /// <summary>The queue depths read by the heartbeat; statuses without a row are zero.</summary>
    public void SetQueueDepths(IReadOnlyDictionary<string, long> depths)
    {
        ArgumentNullException.ThrowIfNull(depths);
        _queue = QueueStatuses.ToDictionary(s => s, s => depths.GetValueOrDefault(s), StringComparer.Ordinal);
    }

    /// <summary>The open alerts per kind, read by WatchHealth.</summary>
    public void SetOpenAlerts(IReadOnlyDictionary<string, long> open) => _openAlerts = open;

    /// <summary>The last queue snapshot, or null before the first heartbeat read it.</summary>
    public IReadOnlyDictionary<string, long>? QueueDepths => _queue;

    /// <summary>Totals since this instance started, for the heartbeat row.</summary>
    public CounterTotals Totals() => new(
        Interlocked.Read(ref _dispatchedTotal),
        Interlocked.Read(ref _acceptedTotal),
        _finishedTotals.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal),
        Interlocked.Read(ref _refundFinishesTotal));

    private IEnumerable<Measurement<long>> ObserveQueue() =>
        _queue is { } queue
            ? queue.Select(kv => new Measurement<long>(kv.Value, new KeyValuePair<string, object?>("status", kv.Key)))
            : [];

    private IEnumerable<Measurement<long>> ObserveAlerts() =>
        _openAlerts is { } open
            ? open.Select(kv => new Measurement<long>(kv.Value, new KeyValuePair<string, object?>("kind", kv.Key)))
            : [];

    public sealed record CounterTotals(long Dispatched, long Accepted, IReadOnlyDictionary<string, long> Finished, long RefundFinishes);
}
