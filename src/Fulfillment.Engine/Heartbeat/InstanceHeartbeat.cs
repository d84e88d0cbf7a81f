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
    IOptions<EngineOptions> options,
    TimeProvider clock,
    ILogger<InstanceHeartbeat> logger) : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await BeatAsync(cancellationToken);
        logger.LogInformation("Engine instance {InstanceId} ({Host}, version {Version}) registered", identity.Id, identity.Host, identity.Version);
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
        await store.UpsertAsync(identity, clock.GetUtcNow(), Info(), ct);
        availability.ReportReachable();
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
