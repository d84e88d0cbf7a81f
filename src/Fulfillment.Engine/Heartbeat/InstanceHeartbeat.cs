using Fulfillment.Engine.Configuration;
using Fulfillment.Engine.Database;
using Fulfillment.Engine.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Fulfillment.Engine.Heartbeat;

/// <summary>
/// Keeps this instance's <c>engine_instances</c> row fresh and deletes it on a clean stop.
/// It runs in every instance, not through the clustered scheduler, which would fire it on one.
/// </summary>
public sealed class InstanceHeartbeat(
    HeartbeatStore store,
    DatabaseAvailability availability,
    InstanceIdentity identity,
    EngineActivity activity,
    EngineMetrics metrics,
    IEnumerable<IHeartbeatObserver> observers,
    IOptions<EngineOptions> options,
    TimeProvider clock,
    ILogger<InstanceHeartbeat> logger) : BackgroundService
{
    private readonly IHeartbeatObserver[] _observers = [.. observers];

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await BeatAsync(cancellationToken);
        logger.LogInformation("Engine instance {InstanceId} ({Host}, version {Version}) registered", identity.Id, identity.Host, identity.Version);
        WriteHealthFile();
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.HeartbeatInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await BeatAsync(stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    // The database may be away (a lost contact is logged once, by DatabaseAvailability); the next tick tries again.
                    if (!availability.Report(ex, "The heartbeat"))
                    {
                        logger.LogWarning(ex, "Heartbeat of engine instance {InstanceId} failed", identity.Id);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            HealthFile.DeleteIfOwnedBy(options.Value.HealthFilePath, identity.Id);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning(ex, "Could not delete the health file {Path}", options.Value.HealthFilePath);
        }

        try
        {
            await store.RemoveAsync(identity.Id, cancellationToken);
            logger.LogInformation("Engine instance {InstanceId} unregistered", identity.Id);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not remove engine instance {InstanceId}; the Heartbeat job will prune it", identity.Id);
        }
    }

    /// <summary>Refreshes the queue snapshot (what the queue gauge reports), then this instance's row.</summary>
    public async Task BeatAsync(CancellationToken ct)
    {
        metrics.SetQueueDepths(await store.QueueDepthsAsync(EngineMetrics.QueueStatuses, ct));
        var now = clock.GetUtcNow();
        await store.UpsertAsync(identity, now, Info(), ct);
        availability.ReportReachable();
        foreach (var observer in _observers)
        {
            observer.HeartbeatReachedDatabase(now);
        }
    }

    private void WriteHealthFile()
    {
        var path = options.Value.HealthFilePath;
        try
        {
            HealthFile.Write(path, identity);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The engine runs without it; only `fulfillment health` cannot tell which instance is this one.
            logger.LogWarning(ex, "Could not write the health file {Path}; `fulfillment health` will report this instance unhealthy", path);
        }
    }

    private object Info()
    {
        var totals = metrics.Totals();
        return new
        {
            pid = Environment.ProcessId,
            jobs = activity.Snapshot().ToDictionary(kv => kv.Key, kv => new
            {
                runs = kv.Value.Runs,
                failures = kv.Value.Failures,
                last_started_at = kv.Value.LastStartedAt,
                last_elapsed_ms = kv.Value.LastElapsedMs,
                last_succeeded = kv.Value.LastSucceeded,
            }),
            counters = new
            {
                dispatched = totals.Dispatched,
                accepted = totals.Accepted,
                finished = totals.Finished,
                refund_finishes = totals.RefundFinishes,
            },
            queue = metrics.QueueDepths,
        };
    }
}
