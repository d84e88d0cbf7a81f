namespace Fulfillment.Engine.Retention;

/// <summary>
/// Notifications the panel sent more than <see cref="RetentionOptions.SentNotifications"/> ago. Unsent ones
/// stay: the panel has not delivered them yet. The <c>created_at</c> bound is implied (a notification is
/// sent after it is written) and lets the batch use the index on it.
/// </summary>
public sealed class DeleteSentNotifications : RetentionOperation
{
    public override string Name => RetentionSteps.SentNotifications;
    public override string Verb => "deleted";
    protected override string Candidates => "FROM notifications t WHERE t.created_at < @cutoff AND t.sent_at < @cutoff";
    protected override string Apply => "applied AS (DELETE FROM notifications n USING batch b WHERE n.id = b.id RETURNING n.id)";
    protected override DateTimeOffset Cutoff(RetentionContext context) => context.Now - context.Options.SentNotifications;
}
