using System.Diagnostics;
using Fulfillment.Engine.Database;
using Fulfillment.Engine.Heartbeat;
using Fulfillment.Engine.Jobs;
using Fulfillment.Engine.Telemetry;
using Quartz;

namespace Fulfillment.Worker.Jobs;

/// <summary>
/// The one Quartz job class: it runs the engine job named by its job key. Keeping Quartz to a
/// single adapter means the job logic never depends on the scheduler (docs/style.md, 5: "jobs are thin").
/// DisallowConcurrentExecution is per job key, so a job never overlaps itself across the cluster.
/// </summary>
[DisallowConcurrentExecution]
public sealed class EngineJobRunner(
    JobCatalog catalog,
    IServiceProvider services,
    DatabaseAvailability availability,
    EngineActivity activity,
    EngineMetrics metrics,
    TimeProvider clock,
    ILogger<EngineJobRunner> logger) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        var name = context.JobDetail.Key.Name;
        var startedAt = clock.GetUtcNow();
        var stopwatch = Stopwatch.StartNew();
        var succeeded = false;
        try
        {
            await using var scope = services.CreateAsyncScope();
            await catalog.Resolve(scope.ServiceProvider, name).RunAsync(cancellationToken);
            succeeded = true;
            availability.ReportReachable();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            logger.LogInformation("Job {Job} was interrupted by shutdown", name);
        }
        catch (Exception ex)
        {
            // A failing run is logged and counted; the next trigger runs it again. A lost contact with the
            // database is logged once for the whole outage, by DatabaseAvailability, not once per run.
            if (!availability.Report(ex, $"Job {name}"))
            {
                logger.LogError(ex, "Job {Job} failed", name);
            }
        }
        finally
        {
            activity.Record(name, startedAt, stopwatch.Elapsed, succeeded, context.ScheduledFireTimeUtc);
            metrics.JobRan(name, stopwatch.Elapsed, succeeded);
        }
    }
}
