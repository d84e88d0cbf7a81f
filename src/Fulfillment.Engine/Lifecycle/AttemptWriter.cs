using Fulfillment.Data.Entities;
using Npgsql;
using NpgsqlTypes;

namespace Fulfillment.Engine.Lifecycle;

/// <summary>
/// The writes of <c>order_attempts</c>, as sets. An attempt is written before its request leaves, in the commit that marks the
/// order sending (only for orders this instance still holds in <c>dispatching</c>, at most one sending per order); it gets the
/// answer's outcome, or <c>unknown</c> when its engine stopped before recording one. A late answer lands on its attempt.
/// </summary>
public static class AttemptWriter
{
    private static readonly string Open = OrderLifecycle.InList(AttemptOutcome.Open);

    /// <summary>
    /// The mark: one sending attempt per order still <c>dispatching</c> under <paramref name="instance"/>'s claim, whose user is still
    /// active and that no cancel asks to stop (for a drip-feed run, its parent's either). Returns (id, order_id) rows: only
    /// those orders may be sent. The orders are locked first, so recovery never judges one half-marked.
    /// </summary>
    public static void Start(NpgsqlBatch batch, Guid instance, IReadOnlyCollection<AttemptStart> starts, DateTimeOffset now)
    {
        OrderWriter.Add(batch, $"""
            WITH ours AS MATERIALIZED (
                SELECT o.id FROM orders o
                WHERE o.id = ANY($1) AND o.status = '{OrderStatus.Dispatching}' AND o.claimed_by = $6
                  AND EXISTS (SELECT 1 FROM users u WHERE u.id = o.user_id AND u.status = '{UserStatus.Active}')
                  AND NOT EXISTS (SELECT 1 FROM order_requests r WHERE r.order_id IN (o.id, o.parent_id)
                                  AND r.kind = '{OrderRequestKind.Cancel}' AND r.status = '{OrderRequestStatus.Pending}')
                  AND NOT EXISTS (SELECT 1 FROM order_attempts a WHERE a.order_id = o.id AND a.outcome = '{AttemptOutcome.Sending}')
                ORDER BY o.id
                FOR NO KEY UPDATE)
            INSERT INTO order_attempts (order_id, provider_id, provider_service_id, route_position, upstream_rate, sent_at, outcome, instance)
            SELECT s.order_id, s.provider_id, s.service, s.position, s.rate, $7, '{AttemptOutcome.Sending}', $6
            FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::int[], $5::numeric[]) AS s(order_id, provider_id, service, position, rate)
            JOIN ours ON ours.id = s.order_id
            ORDER BY s.order_id
            RETURNING id, order_id
            """, starts.Select(s => s.OrderId).ToArray(), Array(starts.Select(s => s.ProviderId), NpgsqlDbType.Bigint),
            Array(starts.Select(s => s.ProviderServiceId), NpgsqlDbType.Text), starts.Select(s => s.RoutePosition).ToArray(),
            Array(starts.Select(s => s.UpstreamRate), NpgsqlDbType.Numeric), instance, now);
    }

    /// <summary>
    /// Answers land on their attempts: a sending one takes any answer; a late answer (the order moved on, or a person settled it)
    /// replaces unknown or settled, never another answer. An accepted attempt settles the earlier unknown ones of its order at the
    /// same provider (it was sent again there as configured; that provider runs the order).
    /// </summary>
    public static void Answer(NpgsqlBatch batch, IReadOnlyCollection<AttemptAnswer> answers, DateTimeOffset now)
    {
        if (answers.Count == 0)
        {
            return;
        }

        OrderWriter.Add(batch, $"""
            WITH answered AS (
                UPDATE order_attempts a SET outcome = x.outcome, provider_order_id = x.provider_order_id, answered_at = $6, error = x.error, refusal = x.refusal
                FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[]) AS x(id, outcome, provider_order_id, error, refusal)
                WHERE a.id = x.id
                  AND (a.outcome = '{AttemptOutcome.Sending}'
                       OR (x.outcome <> '{AttemptOutcome.Unknown}' AND a.outcome IN ('{AttemptOutcome.Unknown}', '{AttemptOutcome.Settled}')))
                RETURNING a.id, a.order_id, a.provider_id, a.outcome)
            UPDATE order_attempts e SET outcome = '{AttemptOutcome.Settled}', error = 'Settled: attempt ' || n.id || ' to the same provider was accepted.'
            FROM answered n
            WHERE n.outcome = '{AttemptOutcome.Accepted}' AND e.order_id = n.order_id AND e.id < n.id AND e.outcome = '{AttemptOutcome.Unknown}'
              AND e.provider_id IS NOT DISTINCT FROM n.provider_id
            """, answers.Select(a => a.AttemptId).ToArray(), answers.Select(a => a.Outcome).ToArray(),
            Array(answers.Select(a => a.ProviderOrderId), NpgsqlDbType.Text), Array(answers.Select(a => a.Error), NpgsqlDbType.Text),
            Array(answers.Select(a => a.Refusal), NpgsqlDbType.Text), now);
    }

    /// <summary>The attempts still sending of orders whose engine stopped before recording their answers: unknown, with why.</summary>
    public static void Lost(NpgsqlBatch batch, long[] orderIds, string why, DateTimeOffset now)
    {
        if (orderIds.Length == 0)
        {
            return;
        }

        OrderWriter.Add(batch, $"""
            UPDATE order_attempts SET outcome = '{AttemptOutcome.Unknown}', answered_at = $2, error = $3
            WHERE order_id = ANY($1) AND outcome = '{AttemptOutcome.Sending}'
            """, orderIds, now, why);
    }

    /// <summary>A statement clearing the free text of the attempts of the orders in <paramref name="orders"/> (a CTE's name): anonymisation.</summary>
    public static string ScrubErrors(string orders) =>
        $"UPDATE order_attempts a SET error = NULL WHERE a.order_id IN (SELECT id FROM {orders}) AND a.error IS NOT NULL";

    /// <summary>SQL: whether order <paramref name="order"/> (an alias) has an attempt a provider may hold it by.</summary>
    public static string HasOpenAttempt(string order) =>
        $"EXISTS (SELECT 1 FROM order_attempts oa WHERE oa.order_id = {order}.id AND oa.outcome IN {Open})";

    private static NpgsqlParameter Array<T>(IEnumerable<T> values, NpgsqlDbType type) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | type };
}
