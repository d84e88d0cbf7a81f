namespace Fulfillment.Worker.Jobs;

/// <summary>
/// Fires the jobs that run on every instance (<see cref="JobCatalog.OnEveryInstance"/>) here, each on its configured
/// schedule, through the same path as the clustered scheduler's fires (<see cref="JobExecution"/>). Such a job shares its
/// work out in the database (its claim skips the rows another instance holds), so each instance adds to its throughput
/// instead of the cluster running one fire at a time. One loop per job: a run never overlaps the previous one here.
/// </summary>
public sealed class InstanceJobs(
    JobCatalog catalog,
    IConfiguration configuration,
    JobExecution execution,
    TimeProvider clock,
    ILogger<InstanceJobs> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(JobSchedule.Read(configuration, catalog)
            .Where(s => s.Enabled && s.OnEveryInstance)
            .Select(s => Task.Run(() => LoopAsync(s, stoppingToken), CancellationToken.None)));

    private async Task LoopAsync(JobSchedule schedule, CancellationToken stoppingToken)
    {
        logger.LogDebug("Job {Job} fires on this instance: {Schedule}", schedule.Job, schedule.Describe());
        var due = schedule.NextFire(null, clock.GetUtcNow());
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                // Timers may wake a little early; the fire waits for its time.
                for (var wait = due - clock.GetUtcNow(); wait > TimeSpan.Zero; wait = due - clock.GetUtcNow())
                {
                    await Task.Delay(wait, clock, stoppingToken);
                }

                await execution.RunAsync(schedule.Job, due, stoppingToken);
                due = schedule.NextFire(due, clock.GetUtcNow());
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping: no further fires.
        }
    }
}
