namespace Fulfillment.Engine.Retention;

/// <summary>
/// Support tickets whose last message is older than <see cref="RetentionOptions.SupportTickets"/> (002 §7);
/// their messages go with them (foreign key ON DELETE CASCADE). A panel that does not keep
/// <c>last_message_at</c> up to date loses nothing: a newer message in the ticket keeps it.
/// </summary>
public sealed class DeleteExpiredSupportTickets : RetentionOperation
{
    public override string Name => RetentionSteps.SupportTickets;
    public override string Verb => "deleted";

    protected override string Candidates => """
        FROM support_tickets t
        WHERE coalesce(t.last_message_at, t.created_at) < @cutoff
          AND NOT EXISTS (SELECT 1 FROM support_messages m WHERE m.ticket_id = t.id AND m.created_at >= @cutoff)
        """;

    protected override string Apply => "applied AS (DELETE FROM support_tickets s USING batch b WHERE s.id = b.id RETURNING s.id)";
    protected override DateTimeOffset Cutoff(RetentionContext context) => context.Now - context.Options.SupportTickets;
}
