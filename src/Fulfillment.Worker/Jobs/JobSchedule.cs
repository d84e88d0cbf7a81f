using Fulfillment.Engine.Configuration;
using Fulfillment.Engine.Jobs;
using Microsoft.Extensions.Configuration;
using Quartz;
using Quartz.Impl.Triggers;

namespace Fulfillment.Worker.Jobs;

/// <summary>
/// One job's schedule as the configuration gives it. The configuration is the truth: <c>run</c>
/// makes the scheduler's stored triggers match this list on every start (<see cref="ScheduleSync"/>),
/// and <c>check-config</c> and the start-up log print it. A job that runs on every instance
/// (<see cref="OnEveryInstance"/>) has no stored trigger: each instance fires it on this schedule (<see cref="InstanceJobs"/>).
/// </summary>
public sealed record JobSchedule(string Job, bool Enabled, string? Cron, TimeSpan? Interval, bool OnEveryInstance = false)
{
    /// <summary>
    /// The group every engine job and trigger lives in. Earlier versions stored theirs under Quartz's
    /// default group, so that stays the engine's group: a job there that the catalog lacks is removed.
    /// </summary>
    public const string Group = JobKey.DefaultGroup;

    // Interval jobs are passes over the database that pick up whatever is due (dispatch, tracking,
    // requests, balances): after an outage or a stop longer than the misfire threshold, one pass at once
    // resumes the work soonest, and a missed pass is never run more than once (no burst of catch-ups).
    public const SimpleTriggerMisfireInstruction IntervalMisfire = SimpleTriggerMisfireInstruction.NowWithExistingCount;

    // Cron jobs run at a time of day chosen for them (the retention purge at 03:30, off-peak): a missed
    // run waits for its next slot rather than running late into peak hours; `run-once JOB` catches up by hand.
    public const CronTriggerMisfireInstruction CronMisfire = CronTriggerMisfireInstruction.DoNothing;

    public JobKey JobKey => new(Job, Group);

    public TriggerKey TriggerKey => new(Job, Group);

    /// <summary>Every job of the catalog, in catalog order, read from <c>Fulfillment:Jobs:&lt;Name&gt;</c> (validated beforehand).</summary>
    public static IReadOnlyList<JobSchedule> Read(IConfiguration configuration, JobCatalog catalog) =>
        [.. catalog.Jobs.Keys.Select(name =>
        {
            var options = new JobOptions();
            configuration.GetSection($"{JobOptions.Section}:{name}").Bind(options);
            var cron = string.IsNullOrWhiteSpace(options.Cron) ? null : options.Cron.Trim();
            return new JobSchedule(name, options.Enabled, cron, cron is null ? options.Interval : null, catalog.OnEveryInstance.Contains(name));
        })];

    public IJobDetail BuildJob() => JobBuilder.Create<EngineJobRunner>().WithIdentity(JobKey).StoreDurably().Build();

    public ITrigger BuildTrigger()
    {
        var trigger = TriggerBuilder.Create().WithIdentity(TriggerKey).ForJob(JobKey).StartNow();
        return Cron is not null
            ? trigger.WithCronSchedule(Cron, c => c.InTimeZone(TimeZoneInfo.Utc).WithMisfireInstruction(CronMisfire)).Build()
            : trigger.WithSimpleSchedule(s => s.WithInterval(Interval!.Value).RepeatForever().WithMisfireInstruction(IntervalMisfire)).Build();
    }

    /// <summary>Whether a stored trigger already fires this schedule, so it is kept with its timing (next fire time) as it is.</summary>
    public bool IsFiredBy(ITrigger stored) => stored switch
    {
        ICronTrigger cron => Cron is not null
            && string.Equals(cron.CronExpressionString, Cron, StringComparison.Ordinal)
            && cron.TimeZone.Id == TimeZoneInfo.Utc.Id
            && cron.MisfireInstruction == CronMisfire,
        ISimpleTrigger simple => Interval is { } interval
            && simple.RepeatInterval == interval
            && simple.RepeatCount == SimpleTriggerImpl.RepeatIndefinitely
            && simple.MisfireInstruction == IntervalMisfire
            && !simple.MeasureIntervalFromCompletion,
        _ => false,
    };

    /// <summary>
    /// When a job that runs on every instance fires next, by the rules of a stored trigger: an interval job at once on start,
    /// then every interval, and once at once when a run outlasted its interval (never a burst of catch-ups); a cron job at
    /// its next time after now (a time missed while a run went on is skipped).
    /// </summary>
    /// <param name="previous">The fire just run, or null on start.</param>
    public DateTimeOffset NextFire(DateTimeOffset? previous, DateTimeOffset now)
    {
        if (Cron is not null)
        {
            var cron = new CronExpression(Cron, TimeZoneInfo.Utc);
            return cron.GetNextValidTimeAfter(now) ?? DateTimeOffset.MaxValue;
        }

        var next = previous is { } fired ? fired + Interval!.Value : now;
        return next > now ? next : now;
    }

    /// <summary>How the schedule reads in <c>check-config</c> and the start-up log.</summary>
    public string Describe() =>
        !Enabled ? "disabled (its stored trigger is removed at start)"
        : OnEveryInstance ? Cron is not null
            ? $"cron '{Cron}' UTC on each instance (not stored; a missed run waits for the next time)"
            : $"every {Interval} on each instance (not stored; a missed run runs once, at once)"
        : Cron is not null ? $"cron '{Cron}' UTC (a missed run waits for the next time)"
        : $"every {Interval} (a missed run runs once, at once)";
}
