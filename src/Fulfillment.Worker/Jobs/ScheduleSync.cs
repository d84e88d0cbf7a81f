using Fulfillment.Engine.Jobs;
using Quartz;

namespace Fulfillment.Worker.Jobs;

/// <summary>
/// Makes the scheduler's stored jobs and triggers match the configuration before the scheduler starts.
/// The job store is the database, which outlives every process: a trigger an earlier run stored keeps
/// firing (on any instance of the cluster) until something removes it, so declaring the enabled jobs
/// is not enough. Registered before Quartz's hosted service, which starts the scheduler this prepares.
/// </summary>
/// <remarks>
/// Overwrite rule: a stored trigger that already fires the configured schedule is kept as it is (its
/// next fire time too, so a rolling restart does not re-time every job); one that differs (interval,
/// cron, misfire rule, type) or is in ERROR is replaced; a disabled job, a job that runs on every instance
/// (each fires it itself) and a job this version does not have are deleted with their triggers. Each step
/// is one store operation under Quartz's cluster lock, so instances starting together cannot interleave
/// within one, and the last one to start wins.
/// </remarks>
public sealed class ScheduleSync(
    ISchedulerFactory schedulers,
    JobCatalog catalog,
    IConfiguration configuration,
    ILogger<ScheduleSync> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        foreach (var schedule in JobSchedule.Read(configuration, catalog))
        {
            // A job that runs on every instance has no stored trigger: one an earlier version stored would also fire it
            // once per interval on some instance, beside every instance's own timer.
            var outcome = !schedule.Enabled
                ? await scheduler.DeleteJob(schedule.JobKey, cancellationToken) ? "stored trigger removed" : "nothing stored"
                : schedule.OnEveryInstance
                    ? await scheduler.DeleteJob(schedule.JobKey, cancellationToken) ? "removed the clustered trigger an earlier version stored" : "nothing stored"
                    : await StoreAsync(scheduler, schedule, cancellationToken);
            logger.LogInformation("Schedule {Job}: {Schedule}: {Outcome}", schedule.Job, schedule.Describe(), outcome);
        }

        foreach (var key in await scheduler.GetJobKeys(GroupMatcher<JobKey>.GroupEquals(JobSchedule.Group), cancellationToken))
        {
            if (!catalog.Jobs.ContainsKey(key.Name) && await scheduler.DeleteJob(key, cancellationToken))
            {
                logger.LogWarning("Job {Job} is not part of this version of the engine; removed it and its triggers from the scheduler", key.Name);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static async Task<string> StoreAsync(IScheduler scheduler, JobSchedule schedule, CancellationToken ct)
    {
        // Triggers of this job under any other key (none are made by this version) would fire it on a schedule nobody configured.
        foreach (var other in await scheduler.GetTriggersOfJob(schedule.JobKey, ct))
        {
            if (!other.Key.Equals(schedule.TriggerKey))
            {
                await scheduler.UnscheduleJob(other.Key, ct);
            }
        }

        var stored = await scheduler.GetTrigger(schedule.TriggerKey, ct);
        var job = await scheduler.GetJobDetail(schedule.JobKey, ct);
        if (stored is not null && job is not null && job.JobType.Type == typeof(EngineJobRunner) && schedule.IsFiredBy(stored)
            && await scheduler.GetTriggerState(schedule.TriggerKey, ct) != TriggerState.Error)
        {
            return "unchanged";
        }

        await scheduler.ScheduleJob(schedule.BuildJob(), [schedule.BuildTrigger()], ScheduleJobOptions.Replacing, ct);
        return stored is null ? "added" : "replaced the stored trigger";
    }
}
