namespace Fulfillment.Engine.Retention;

/// <summary>
/// Anonymises accounts, each in one statement with everything personal that hangs off it, so an
/// account is either wholly anonymised or untouched:
/// <list type="bullet">
/// <item>users: username becomes <c>erased:&lt;id&gt;</c> (unique, and a colon no panel allows in a name),
/// email and the block's free-text reason NULL, status <c>deleted</c> (a blocked account stays <c>blocked</c>: the chargeback record and
/// its forfeit stand), <c>deleted_at</c> kept or set, <c>anonymized_at</c> set, the inactivity notice cleared.
/// Balance and ledger are never touched: anonymising forfeits nothing.</item>
/// <item>activity_log rows (actions and IP addresses), support tickets with their messages, and
/// notifications of the account: deleted.</item>
/// <item>finished orders: anonymised (<see cref="RetentionSql.AnonymizeOrder"/>). Active orders are left
/// to finish; an erasure request stays open until they have (<see cref="AnonymizeOrdersOfErasedUsers"/>).</item>
/// </list>
/// A blocked account inside its dispute hold is never a candidate (<see cref="RetentionSql.NotHeld"/>).
/// </summary>
public abstract class AnonymizeUsers : RetentionOperation
{
    public override string Verb => "anonymized";
    public override bool BatchesUsers => true;

    /// <summary>Why these accounts are anonymised: a predicate over <c>users t</c>.</summary>
    protected abstract string Reason { get; }

    protected sealed override string Candidates => $"""
        FROM users t
        WHERE t.anonymized_at IS NULL
          AND {RetentionSql.NotHeld}
          AND {Reason}
        """;

    protected sealed override string Apply => $"""
        erased_activity AS (DELETE FROM activity_log a USING batch b WHERE a.user_id = b.id),
        erased_tickets AS (DELETE FROM support_tickets s USING batch b WHERE s.user_id = b.id),
        erased_notifications AS (DELETE FROM notifications n USING batch b WHERE n.user_id = b.id),
        erased_orders AS (
            UPDATE orders o SET {RetentionSql.AnonymizeOrder}
            FROM batch b
            WHERE o.user_id = b.id AND o.status IN {RetentionSql.Terminal} AND o.anonymized_at IS NULL AND {RetentionSql.NotARunOfAnOpenParent("o")}
            RETURNING o.id),
        {RetentionSql.ScrubTrails("erased_orders")},
        applied AS (
            UPDATE users u
            SET username = 'erased:' || u.id,
                email = NULL,
                status = CASE WHEN u.status = 'blocked' THEN 'blocked' ELSE 'deleted' END,
                deleted_at = CASE WHEN u.status = 'blocked' THEN u.deleted_at ELSE coalesce(u.deleted_at, @now) END,
                anonymized_at = @now,
                inactive_notice_at = NULL,
                blocked_reason = NULL
            FROM batch b WHERE u.id = b.id
            RETURNING u.id)
        """;

    /// <summary>An account with an order still running is in use, whatever its other dates say.</summary>
    protected static readonly string HasNoActiveOrder =
        $"NOT EXISTS (SELECT 1 FROM orders o WHERE o.user_id = t.id AND o.status NOT IN {RetentionSql.Terminal})";
}

/// <summary>Accounts with a pending erasure request (002 §8, 004 Privacy 4.1.2), on the first run after it.</summary>
public sealed class AnonymizeErasureRequested : AnonymizeUsers
{
    public override string Name => RetentionSteps.ErasedUsers;
    protected override string Reason => "EXISTS (SELECT 1 FROM erasure_requests r WHERE r.user_id = t.id AND r.completed_at IS NULL)";
    protected override DateTimeOffset Cutoff(RetentionContext context) => context.Now;
}

/// <summary>Accounts deleted more than <see cref="RetentionOptions.DeletedAccounts"/> ago (004 Privacy 5.2).</summary>
public sealed class AnonymizeDeletedAccounts : AnonymizeUsers
{
    public override string Name => RetentionSteps.DeletedAccounts;
    protected override string Reason => $"t.deleted_at < @cutoff AND {HasNoActiveOrder}";
    protected override DateTimeOffset Cutoff(RetentionContext context) => context.Now - context.Options.DeletedAccounts;
}

/// <summary>
/// Accounts noticed more than <see cref="RetentionOptions.InactiveGrace"/> ago that have not been
/// active since the notice (002 §7, 003 §3).
/// </summary>
public sealed class AnonymizeInactiveAccounts : AnonymizeUsers
{
    public override string Name => RetentionSteps.InactiveAccounts;

    protected override string Reason => $"""
        t.inactive_notice_at < @cutoff
        AND (t.last_active_at IS NULL OR t.last_active_at <= t.inactive_notice_at)
        AND {HasNoActiveOrder}
        """;

    protected override DateTimeOffset Cutoff(RetentionContext context) => context.Now - context.Options.InactiveGrace;
}
