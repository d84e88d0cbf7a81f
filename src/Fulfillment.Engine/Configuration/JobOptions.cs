namespace Fulfillment.Engine.Configuration;

/// <summary><c>Fulfillment:Jobs:&lt;Name&gt;</c>: whether a job runs, and when (a cron or an interval, not both).</summary>
public sealed class JobOptions
{
    public const string Section = "Fulfillment:Jobs";

    public bool Enabled { get; set; } = true;

    /// <summary>A Quartz cron expression with seconds, e.g. <c>0 0 3 * * ?</c> for 03:00 every night (UTC).</summary>
    public string? Cron { get; set; }

    public TimeSpan? Interval { get; set; }
}
