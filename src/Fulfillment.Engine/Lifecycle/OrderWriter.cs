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

        // Progress first: an activation's code is written on the order in the same batch that then finishes it.
        Progressed(batch, changes.OfType<OrderChange.Progressed>().ToList(), now);
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

        Add(batch, $"""
            WITH moved AS (
                UPDATE orders o SET status = '{Pending}', next_attempt_at = d.until, error = d.reason, claimed_by = NULL, sending_at = NULL, updated_at = $4
                FROM unnest($1::bigint[], $2::timestamptz[], $3::text[]) AS d(id, until, reason)
                WHERE o.id = d.id AND o.status IN {OrderLifecycle.Defer.FromSql}
                RETURNING o.id, d.until, d.reason)
            INSERT INTO order_events (order_id, at, kind, detail)
            SELECT id, $4, 'dispatch_deferred', jsonb_build_object('reason', reason, 'next_attempt_at', until) FROM moved
            """, deferred.Select(d => d.OrderId).ToArray(), deferred.Select(d => d.Until).ToArray(), deferred.Select(d => d.Reason).ToArray(), now);
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

        Add(batch, $"""
            UPDATE orders o SET provider_status = coalesce(p.status, o.provider_status), start_count = coalesce(p.start_count, o.start_count),
                remains = coalesce(p.remains, o.remains), next_check_at = p.next_check_at, error = p.error, updated_at = $7,
                result = coalesce(p.result, o.result)
            FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[], $5::timestamptz[], $6::text[], $8::jsonb[])
                AS p(id, status, start_count, remains, next_check_at, error, result)
            WHERE o.id = p.id AND o.status IN {OrderLifecycle.Progress.FromSql}
            """, progress.Select(p => p.OrderId).ToArray(), progress.Select(p => p.ProviderStatus).ToArray(), Bigints(progress.Select(p => p.StartCount)),
            Bigints(progress.Select(p => p.Remains)), progress.Select(p => p.NextCheckAt).ToArray(), Texts(progress.Select(p => p.Error)), now,
            Jsonb(progress.Select(p => p.ResultJson)));
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
