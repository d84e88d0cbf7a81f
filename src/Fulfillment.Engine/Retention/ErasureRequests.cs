namespace Fulfillment.Engine.Retention;

/// <summary>
/// Orders of an erased account that were still active when it was anonymised, once they have
/// finished. Limited to accounts with an open erasure request, so the step reads a handful of rows.
/// </summary>
public sealed class AnonymizeOrdersOfErasedUsers : RetentionOperation
{
    public override string Name => RetentionSteps.ErasedOrders;
    public override string Verb => "anonymized";

    protected override string Candidates => $"""
        FROM orders t
        WHERE t.status IN {RetentionSql.Terminal}
          AND t.anonymized_at IS NULL
          AND {RetentionSql.NotARunOfAnOpenParent("t")}
          AND t.user_id IN (
              SELECT r.user_id FROM erasure_requests r JOIN users u ON u.id = r.user_id
              WHERE r.completed_at IS NULL AND u.anonymized_at IS NOT NULL)
        """;

    protected override string Apply => $"""
        anonymized AS (UPDATE orders o SET {RetentionSql.AnonymizeOrder} FROM batch b WHERE o.id = b.id RETURNING o.id),
        {RetentionSql.ScrubTrails("anonymized")},
        applied AS (SELECT id FROM anonymized)
        """;

    protected override string Lock => "FOR NO KEY UPDATE OF t";
    protected override DateTimeOffset Cutoff(RetentionContext context) => context.Now;
}

/// <summary>
/// Sets <c>erasure_requests.completed_at</c> once the account is anonymised and none of its orders
/// still carries a link: not before, so "completed" means done.
/// </summary>
public sealed class CompleteErasureRequests : RetentionOperation
{
    public override string Name => RetentionSteps.ErasureRequests;
    public override string Verb => "completed";

    protected override string Candidates => """
        FROM erasure_requests t
        JOIN users u ON u.id = t.user_id
        WHERE t.completed_at IS NULL
          AND u.anonymized_at IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.user_id = t.user_id AND o.anonymized_at IS NULL)
        """;

    protected override string Apply => "applied AS (UPDATE erasure_requests e SET completed_at = @now FROM batch b WHERE e.id = b.id RETURNING e.id)";
    protected override string Lock => "FOR NO KEY UPDATE OF t";
    protected override DateTimeOffset Cutoff(RetentionContext context) => context.Now;
}
