namespace Fulfillment.Engine.Retention;

/// <summary>Activity log rows older than <see cref="RetentionOptions.ActivityLog"/> (004 Privacy 5.3).</summary>
public sealed class DeleteExpiredActivityLog : RetentionOperation
{
    public override string Name => RetentionSteps.ActivityLog;
    public override string Verb => "deleted";
    protected override string Candidates => "FROM activity_log t WHERE t.created_at < @cutoff";
    protected override string Apply => "applied AS (DELETE FROM activity_log a USING batch b WHERE a.id = b.id RETURNING a.id)";
    protected override DateTimeOffset Cutoff(RetentionContext context) => context.Now - context.Options.ActivityLog;
}
