namespace Fulfillment.Engine.Configuration;

/// <summary><c>Fulfillment:Scheduler</c>: the clustered Quartz scheduler on the panel database.</summary>
public sealed class SchedulerOptions
{
    public const string Section = "Fulfillment:Scheduler";

    /// <summary>Several engine instances share one job store; each trigger fires on one of them.</summary>
    public bool Clustered { get; set; } = true;

    public TimeSpan CheckinInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Jobs that may run at once in this instance.</summary>
    public int MaxConcurrency { get; set; } = 8;

    /// <summary>Prefix of the scheduler's own tables in the panel database.</summary>
    public string TablePrefix { get; set; } = "qrtz_";
}
