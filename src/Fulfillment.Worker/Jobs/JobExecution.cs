using System.Diagnostics;
using Fulfillment.Engine.Database;
using Fulfillment.Engine.Heartbeat;
using Fulfillment.Engine.Telemetry;

namespace Fulfillment.Worker.Jobs;

/// <summary>
/// One scheduled run of one job, whoever fired it: the clustered scheduler (<see cref="EngineJobRunner"/>) or this
/// instance's own timer (<see cref="InstanceJobs"/>). Either way the run is recorded in the instance's activity and
/// metrics, and a lost database is reported once for the whole outage rather than once per run.
/// </summary>
public sealed class JobExecution(
    JobCatalog catalog,
    IServiceProvider services,
    DatabaseAvailability availability,
    EngineActivity activity,
    EngineMetrics metrics,
    TimeProvider clock,
    ILogger<JobExecution> logger)
{
    /// <param name="scheduledFor">The fire time the run answers, for the activity record; null when none applies.</param>
    public async Task RunAsync(string name, DateTimeOffset? scheduledFor, CancellationToken cancellationToken)
    {
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
            // A failing run is logged and counted; the next fire runs it again. A lost contact with the
            // database is logged once for the whole outage, by DatabaseAvailability, not once per run.
            if (!availability.Report(ex, $"Job {name}"))
            {
                logger.LogError(ex, "Job {Job} failed", name);
            }
        }
        finally
        {
            activity.Record(name, startedAt, stopwatch.Elapsed, succeeded, scheduledFor);
            metrics.JobRan(name, stopwatch.Elapsed, succeeded);
        }
    }
}
