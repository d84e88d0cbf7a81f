using Quartz;

namespace Fulfillment.Worker.Jobs;

/// <summary>
/// The one Quartz job class: it runs the engine job named by its job key. Keeping Quartz to a
/// single adapter means the job logic never depends on the scheduler (docs/style.md, 5: "jobs are thin").
/// DisallowConcurrentExecution is per job key, so a job never overlaps itself across the cluster.
/// </summary>
[DisallowConcurrentExecution]
public sealed class EngineJobRunner(JobExecution execution) : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default) =>
        new(execution.RunAsync(context.JobDetail.Key.Name, context.ScheduledFireTimeUtc, cancellationToken));
}
