namespace Fulfillment.Engine.Retention;

/// <summary>
/// Finished orders older than <see cref="RetentionOptions.TransactionRecords"/> that no ledger row
/// references (orders a panel wrote itself, never charged), with their drip-feed runs (a run is never charged, and goes only
/// with its parent), audit events, requests and attempts
/// (ON DELETE CASCADE: events are kept exactly as long as their order). Orders placed through
/// <c>place_order</c> always have a charge row and are anonymised instead (<see cref="AnonymizeExpiredOrders"/>).
/// </summary>
public sealed class DeleteExpiredUnreferencedOrders : RetentionOperation
{
    public override string Name => RetentionSteps.OrdersDeleted;
    public override string Verb => "deleted";

    // The charge test uses the unique partial index ux_ledger_one_charge_per_order and rules out almost
    // every order; only the few left are checked against the whole ledger (there is no general index
    // on ledger.order_id), and the RESTRICT foreign key stays the last guard.
    protected override string Candidates => $"""
        FROM orders t
        WHERE t.status IN {RetentionSql.Terminal}
          AND coalesce(t.finished_at, t.updated_at) < @cutoff
          AND NOT EXISTS (SELECT 1 FROM ledger c WHERE c.order_id = t.id AND c.kind = 'charge')
          AND t.parent_id IS NULL
        """;

    protected override string Apply => """
        unreferenced AS MATERIALIZED (
            SELECT b.id FROM batch b WHERE NOT EXISTS (SELECT 1 FROM ledger l WHERE l.order_id = b.id)),
        runs AS (DELETE FROM orders r USING unreferenced u WHERE r.parent_id = u.id),
        applied AS (DELETE FROM orders o USING unreferenced u WHERE o.id = u.id RETURNING o.id)
        """;

    protected override DateTimeOffset Cutoff(RetentionContext context) => context.Now - context.Options.TransactionRecords;
}
