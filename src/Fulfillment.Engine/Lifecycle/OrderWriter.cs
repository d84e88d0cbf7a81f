using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using static Fulfillment.Data.Entities.OrderStatus;

namespace Fulfillment.Engine.Lifecycle;

/// <summary>
/// The one writer of order transitions: adds to a batch, as sets, the statements that apply a list of
/// <see cref="OrderChange"/> records, each kind one statement, each guarded by the state its move leaves
/// (<see cref="OrderLifecycle"/>), so an order that moved on meanwhile is left alone. Every stage writes
/// through it; finishing goes through fulfillment_finish_orders, where the money rule is written once.
/// </summary>
public static class OrderWriter
{
    public static void AddTo(NpgsqlBatch batch, IReadOnlyCollection<OrderChange> changes, DateTimeOffset now)
    {
        foreach (var change in changes)
        {
            OrderChange.EnsureAllowed(change);
        }

        // Progress first: an activation's code is written on the order in the same batch that then finishes it,
        // and so is what the provider charged for an order that finishes.
        Progressed(batch, changes.OfType<OrderChange.Progressed>().ToList(), now);
        FinishCosts(batch, changes.OfType<OrderChange.Finished>().Select(f => f.Finish).Where(f => f.ProviderCharge is not null || f.ProviderCurrency is not null).ToList());
        // A move at claim comes before the claim's own write (or the wait), which the caller adds after these.
        foreach (var group in changes.OfType<OrderChange.Rerouted>().GroupBy(r => r.Leaving))
        {
            Rerouted(batch, [.. group], group.Key, now);
        }

        Accepted(batch, changes.OfType<OrderChange.Accepted>().ToList(), now);
        // Emulated drip-feeds (before finishing: a parent's last progress is written on it, then it finishes).
        RunWriter.AddTo(batch, changes, now);
        OrderFinisher.AddTo(batch, changes.OfType<OrderChange.Finished>().Select(f => f.Finish).ToList(), now);
        Deferred(batch, changes.OfType<OrderChange.Deferred>().ToList(), now);
        HeldAtProvider(batch, changes.OfType<OrderChange.HeldAtProvider>().ToList(), now);
        HeldBehind(batch, changes.OfType<OrderChange.HeldBehind>().ToList(), now);
        Waiting(batch, changes.OfType<OrderChange.Waiting>().ToList(), now);
        ReleasedUnsent(batch, changes.OfType<OrderChange.ReleasedUnsent>().ToList(), now);
        foreach (var group in changes.OfType<OrderChange.ToReview>().GroupBy(r => r.Leaving))
        {
            OrderReviews.AddTo(batch, [.. group], group.Key, now);
        }
    }

    private static void Accepted(NpgsqlBatch batch, List<OrderChange.Accepted> accepted, DateTimeOffset now)
    {
        if (accepted.Count == 0)
        {
            return;
        }

        Add(batch, $"""
            WITH moved AS (
                UPDATE orders o SET status = '{InProgress}', provider_order_id = a.provider_order_id, dispatched_at = $3,
                    next_check_at = a.next_check_at, claimed_by = NULL, error = NULL, updated_at = $3, result = coalesce(a.result, o.result)
                FROM unnest($1::bigint[], $2::text[], $4::timestamptz[], $5::jsonb[]) AS a(id, provider_order_id, next_check_at, result)
                WHERE o.id = a.id AND o.status IN {OrderLifecycle.Accept.FromSql}
                RETURNING o.id, a.provider_order_id)
            INSERT INTO order_events (order_id, at, kind, detail)
            SELECT id, $3, 'accepted', jsonb_build_object('provider_order_id', provider_order_id) FROM moved
            """, accepted.Select(a => a.OrderId).ToArray(), accepted.Select(a => a.ProviderOrderId).ToArray(), now,
            accepted.Select(a => a.NextCheckAt).ToArray(), Jsonb(accepted.Select(a => a.ResultJson)));
    }

    private static void Deferred(NpgsqlBatch batch, List<OrderChange.Deferred> deferred, DateTimeOffset now)
    {
        if (deferred.Count == 0)
        {
            return;
        }

        // route_refusing_since: when this route started refusing the order for now (Failover's FailoverAfter runs from it).
        Add(batch, $"""
            WITH moved AS (
                UPDATE orders o SET status = '{Pending}', next_attempt_at = d.until, error = d.reason, claimed_by = NULL, sending_at = NULL, updated_at = $4,
                    route_refusing_since = coalesce(o.route_refusing_since, $4), route_pinned = o.route_pinned OR d.pinned
                FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $5::boolean[]) AS d(id, until, reason, pinned)
                WHERE o.id = d.id AND o.status IN {OrderLifecycle.Defer.FromSql}
                RETURNING o.id, d.until, d.reason)
            INSERT INTO order_events (order_id, at, kind, detail)
            SELECT id, $4, 'dispatch_deferred', jsonb_build_object('reason', reason, 'next_attempt_at', until) FROM moved
            """, deferred.Select(d => d.OrderId).ToArray(), deferred.Select(d => d.Until).ToArray(), deferred.Select(d => d.Reason).ToArray(), now,
            deferred.Select(d => d.Pinned).ToArray());
    }

    /// <summary>
    /// Failover: on to another route, pending and due at once, with a fresh count of attempts and no refusing-since.
    /// Guarded by the state it leaves and by the route it leaves, so a move is made once. The event names both routes.
    /// </summary>
    private static void Rerouted(NpgsqlBatch batch, List<OrderChange.Rerouted> moves, string leaving, DateTimeOffset now)
    {
        if (!OrderLifecycle.Reroute.From.Contains(leaving))
        {
            throw new InvalidOperationException($"The lifecycle has no move 'reroute' from {leaving}.");
        }

        Add(batch, $"""
            WITH moved AS (
                UPDATE orders o SET status = '{Pending}', route_position = m.to_position, route_refusing_since = NULL, attempts = 0, next_attempt_at = NULL,
                    error = m.reason, claimed_by = NULL, sending_at = NULL, updated_at = $6
                FROM unnest($1::bigint[], $2::int[], $3::int[], $4::text[], $5::jsonb[]) AS m(id, from_position, to_position, reason, detail)
                WHERE o.id = m.id AND o.status = $7 AND o.route_position = m.from_position
                RETURNING o.id, m.detail)
            INSERT INTO order_events (order_id, at, kind, detail)
            SELECT id, $6, 'rerouted', detail FROM moved
            """, moves.Select(m => m.OrderId).ToArray(), moves.Select(m => m.FromRoute.Position).ToArray(), moves.Select(m => m.ToRoute.Position).ToArray(),
            moves.Select(m => m.Reason).ToArray(),
            Jsonb(moves.Select(m => JsonSerializer.Serialize(new { from = m.FromRoute.Describe(), to = m.ToRoute.Describe(), reason = m.Reason }))), now, leaving);
    }

    /// <summary>What the provider charged for orders that finish now, written before they finish (the finish leaves in_progress).</summary>
    private static void FinishCosts(NpgsqlBatch batch, List<Finish> finishes)
    {
        if (finishes.Count == 0)
        {
            return;
        }

        Add(batch, $"""
            UPDATE orders o SET provider_charge = coalesce(c.charge, o.provider_charge),
                provider_currency = coalesce(c.currency, o.provider_currency, (SELECT p.currency FROM providers p WHERE p.id = o.provider_id))
            FROM unnest($1::bigint[], $2::numeric[], $3::text[]) AS c(id, charge, currency)
            WHERE o.id = c.id AND o.status IN {OrderLifecycle.Progress.FromSql}
            """, finishes.Select(f => f.OrderId).ToArray(), Decimals(finishes.Select(f => f.ProviderCharge)), Texts(finishes.Select(f => f.ProviderCurrency)));
    }

    private static void HeldAtProvider(NpgsqlBatch batch, List<OrderChange.HeldAtProvider> held, DateTimeOffset now)
    {
        if (held.Count == 0)
        {
            return;
        }

        Add(batch, $"""
            WITH moved AS (
                UPDATE orders o SET status = '{Held}', held_by = NULL, next_attempt_at = h.until, error = h.reason, claimed_by = NULL, sending_at = NULL,
                    updated_at = $4
                FROM unnest($1::bigint[], $2::timestamptz[], $3::text[]) AS h(id, until, reason)
                WHERE o.id = h.id AND o.status IN {OrderLifecycle.HoldAtProvider.FromSql}
                RETURNING o.id, h.until, h.reason)
            INSERT INTO order_events (order_id, at, kind, detail)
            SELECT id, $4, 'held', jsonb_build_object('reason', reason, 'next_attempt_at', until) FROM moved
            """, held.Select(h => h.OrderId).ToArray(), held.Select(h => h.Until).ToArray(), held.Select(h => h.Reason).ToArray(), now);
    }

    private static void HeldBehind(NpgsqlBatch batch, List<OrderChange.HeldBehind> held, DateTimeOffset now)
    {
        if (held.Count == 0)
        {
            return;
        }

        Add(batch, $"""
            WITH moved AS (
                UPDATE orders o SET status = '{Held}', held_by = h.blocker, error = h.reason, updated_at = $4
                FROM unnest($1::bigint[], $2::bigint[], $3::text[]) AS h(id, blocker, reason)
                WHERE o.id = h.id AND o.status IN {OrderLifecycle.HoldBehind.FromSql}
                RETURNING o.id, h.blocker)
            INSERT INTO order_events (order_id, at, kind, detail)
            SELECT id, $4, 'held', jsonb_build_object('held_by', blocker) FROM moved
            """, held.Select(h => h.OrderId).ToArray(), held.Select(h => h.Blocker).ToArray(), held.Select(h => h.Reason).ToArray(), now);
    }

    private static void Waiting(NpgsqlBatch batch, List<OrderChange.Waiting> waiting, DateTimeOffset now)
    {
        if (waiting.Count == 0)
        {
            return;
        }

        Add(batch, $"""
            UPDATE orders o SET next_attempt_at = w.until, error = w.reason, updated_at = $4
            FROM unnest($1::bigint[], $2::timestamptz[], $3::text[]) AS w(id, until, reason)
            WHERE o.id = w.id AND o.status IN {OrderLifecycle.Wait.FromSql}
            """, waiting.Select(w => w.OrderId).ToArray(), waiting.Select(w => w.Until).ToArray(), waiting.Select(w => w.Reason).ToArray(), now);
    }

    private static void Progressed(NpgsqlBatch batch, List<OrderChange.Progressed> progress, DateTimeOffset now)
    {
        if (progress.Count == 0)
        {
            return;
        }

        // The cost (provider_charge, provider_currency) as the provider last said it; its currency, if it named none, is the provider's own.
        Add(batch, $"""
            UPDATE orders o SET provider_status = coalesce(p.status, o.provider_status), start_count = coalesce(p.start_count, o.start_count),
                remains = coalesce(p.remains, o.remains), next_check_at = p.next_check_at, error = p.error, updated_at = $7,
                result = coalesce(p.result, o.result), posts_served = greatest(o.posts_served, p.posts_served),
                provider_charge = coalesce(p.charge, o.provider_charge),
                provider_currency = CASE WHEN p.charge IS NULL AND p.currency IS NULL THEN o.provider_currency
                    ELSE coalesce(p.currency, o.provider_currency, (SELECT pr.currency FROM providers pr WHERE pr.id = o.provider_id)) END
            FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[], $5::timestamptz[], $6::text[], $8::jsonb[], $9::int[], $10::numeric[], $11::text[])
                AS p(id, status, start_count, remains, next_check_at, error, result, posts_served, charge, currency)
            WHERE o.id = p.id AND o.status IN {OrderLifecycle.Progress.FromSql}
            """, progress.Select(p => p.OrderId).ToArray(), progress.Select(p => p.ProviderStatus).ToArray(), Bigints(progress.Select(p => p.StartCount)),
            Bigints(progress.Select(p => p.Remains)), progress.Select(p => p.NextCheckAt).ToArray(), Texts(progress.Select(p => p.Error)), now,
            Jsonb(progress.Select(p => p.ResultJson)), Ints(progress.Select(p => p.PostsServed)), Decimals(progress.Select(p => p.ProviderCharge)),
            Texts(progress.Select(p => p.ProviderCurrency)));
    }

    private static void ReleasedUnsent(NpgsqlBatch batch, List<OrderChange.ReleasedUnsent> released, DateTimeOffset now)
    {
        if (released.Count == 0)
        {
            return;
        }

        // Provably never sent: no sending mark. The claim's attempt is given back.
        Add(batch, $"""
            WITH moved AS (
                UPDATE orders o SET status = '{Pending}', claimed_by = NULL, attempts = greatest(o.attempts - 1, 0), updated_at = $4
                FROM unnest($1::bigint[], $2::uuid[], $3::text[]) AS r(id, instance, reason)
                WHERE o.id = r.id AND o.status IN {OrderLifecycle.ReleaseUnsent.FromSql} AND o.sending_at IS NULL
                  AND (r.instance IS NULL OR o.claimed_by = r.instance)
                RETURNING o.id, r.instance, r.reason)
            INSERT INTO order_events (order_id, at, kind, detail)
            SELECT id, $4, 'dispatch_recovered', jsonb_build_object('reason', reason, 'instance', instance::text) FROM moved
            """, released.Select(r => r.OrderId).ToArray(), new NpgsqlParameter { Value = released.Select(r => r.Instance).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
            released.Select(r => r.Reason).ToArray(), now);
    }

    private static NpgsqlParameter Jsonb(IEnumerable<string?> values) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb };

    private static NpgsqlParameter Bigints(IEnumerable<long?> values) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint };

    private static NpgsqlParameter Ints(IEnumerable<int?> values) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer };

    private static NpgsqlParameter Decimals(IEnumerable<decimal?> values) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Numeric };

    private static NpgsqlParameter Texts(IEnumerable<string?> values) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };

    /// <summary>One statement of a batch; an <see cref="NpgsqlParameter"/> is passed as it is.</summary>
    public static void Add(NpgsqlBatch batch, string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(value as NpgsqlParameter ?? new NpgsqlParameter { Value = value ?? DBNull.Value });
        }

        batch.BatchCommands.Add(command);
    }

    /// <summary>An audit event with a detail object, serialised here.</summary>
    public static void Event(NpgsqlBatch batch, long orderId, string kind, DateTimeOffset at, object detail) =>
        Add(batch, "INSERT INTO order_events (order_id, at, kind, detail) VALUES ($1, $2, $3, $4)", orderId, at, kind,
            new NpgsqlParameter { Value = JsonSerializer.Serialize(detail), NpgsqlDbType = NpgsqlDbType.Jsonb });
}
