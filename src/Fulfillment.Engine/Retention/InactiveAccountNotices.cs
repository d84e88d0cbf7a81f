using Npgsql;

namespace Fulfillment.Engine.Retention;

/// <summary>
/// The notice before an inactive account is anonymised (002 §7: "after prior notice"): one
/// <c>account_inactive_notice</c> notification per inactivity period, recorded in
/// <c>users.inactive_notice_at</c> so it is never sent twice. Activity is <c>last_active_at</c>
/// (the panel's), or the account's creation when it never had any.
/// </summary>
public sealed class SendInactiveAccountNotices : RetentionOperation
{
    public const string NotificationKind = "account_inactive_notice";

    public override string Name => RetentionSteps.InactiveNotices;
    public override string Verb => "notified";

    protected override string Candidates => $"""
        FROM users t
        WHERE t.inactive_notice_at IS NULL
          AND t.anonymized_at IS NULL
          AND t.deleted_at IS NULL
          AND t.status <> 'deleted'
          AND coalesce(t.last_active_at, t.created_at) < @cutoff
          AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.user_id = t.id AND o.status NOT IN {RetentionSql.Terminal})
        """;

    protected override string Apply => $"""
        applied AS (
            UPDATE users u SET inactive_notice_at = @now
            FROM batch b WHERE u.id = b.id
            RETURNING u.id, u.balance, coalesce(u.last_active_at, u.created_at) AS last_active),
        notices AS (
            INSERT INTO notifications (user_id, kind, payload, created_at)
            SELECT a.id, '{NotificationKind}',
                   jsonb_build_object('anonymize_after', @anonymize_after, 'last_active_at', a.last_active, 'balance', a.balance),
                   @now
            FROM applied a)
        """;

    // Only inactive_notice_at changes: the weaker lock lets a concurrent place_order's foreign-key checks through.
    protected override string Lock => "FOR NO KEY UPDATE OF t";
    protected override DateTimeOffset Cutoff(RetentionContext context) => context.Now - context.Options.InactiveNotice;

    protected override void AddParameters(NpgsqlCommand command, RetentionContext context) =>
        command.Parameters.AddWithValue("anonymize_after", context.Now + context.Options.InactiveGrace);
}

/// <summary>
/// An account active again after its notice is no longer inactive: the notice is cleared, so a later
/// inactivity period starts over with a new notice.
/// </summary>
public sealed class ClearInactiveNoticesOfReturnedUsers : RetentionOperation
{
    public override string Name => RetentionSteps.InactiveReturned;
    public override string Verb => "reset";

    protected override string Candidates => """
        FROM users t
        WHERE t.inactive_notice_at IS NOT NULL
          AND t.anonymized_at IS NULL
          AND t.last_active_at > t.inactive_notice_at
        """;

    protected override string Apply => "applied AS (UPDATE users u SET inactive_notice_at = NULL FROM batch b WHERE u.id = b.id RETURNING u.id)";
    protected override string Lock => "FOR NO KEY UPDATE OF t";
    protected override DateTimeOffset Cutoff(RetentionContext context) => context.Now;
}
