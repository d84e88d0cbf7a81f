namespace Fulfillment.Engine.Retention;

/// <summary>
/// Finished orders older than <see cref="RetentionOptions.TransactionRecords"/> that the ledger still
/// references: the ledger is append-only and its rows point at them, so they stay, without their
/// personal data (<see cref="RetentionSql.AnonymizeOrder"/>). Runs after <see cref="DeleteExpiredUnreferencedOrders"/>.
/// </summary>
public sealed class AnonymizeExpiredOrders : RetentionOperation
{
    public override string Name => RetentionSteps.OrdersAnonymized;
    public override string Verb => "anonymized";

    protected override string Candidates => $"""
        FROM orders t
        WHERE t.status IN {RetentionSql.Terminal}
          AND coalesce(t.finished_at, t.updated_at) < @cutoff
          AND t.anonymized_at IS NULL
          AND {RetentionSql.NotARunOfAnOpenParent("t")}
        """;

    protected override string Apply => $"""
        anonymized AS (UPDATE orders o SET {RetentionSql.AnonymizeOrder} FROM batch b WHERE o.id = b.id RETURNING o.id),
        {RetentionSql.ScrubTrails("anonymized")},
        applied AS (SELECT id FROM anonymized)
        """;

    protected override string Lock => "FOR NO KEY UPDATE OF t";
    protected override DateTimeOffset Cutoff(RetentionContext context) => context.Now - context.Options.TransactionRecords;
}
