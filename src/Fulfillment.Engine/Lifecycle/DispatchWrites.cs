using System.Text.Json;
using Fulfillment.Data.Entities;
using Npgsql;
using static Fulfillment.Data.Entities.OrderStatus;
using static Fulfillment.Engine.Lifecycle.OrderWriter;

namespace Fulfillment.Engine.Lifecycle;

/// <summary>The part of <see cref="OrderWriter"/> that moves orders through dispatch: claimed, answered, moved on, held, released.</summary>
internal static class DispatchWrites
{
    /// <summary>Pending to dispatching under an instance's claim, on the route it was judged on; the link key stored with it.</summary>
    public static void Claimed(NpgsqlBatch batch, List<OrderChange.Claimed> claimed, DateTimeOffset now)
    {
        if (claimed.Count == 0)
        {
            return;
        }

        // provider_id is the route's: tracking, cancels, refills and conflicts follow the route the order went out on.
        Add(batch, $"""
            WITH moved AS (
                UPDATE orders o SET status = '{Dispatching}', claimed_by = c.instance, attempts = o.attempts + 1, provider_id = c.provider_id,
                    error = NULL, updated_at = $6, link_key = coalesce(c.link_key, o.link_key)
                FROM unnest($1::bigint[], $2::bigint[], $3::int[], $4::text[], $5::uuid[]) AS c(id, provider_id, position, link_key, instance)
                WHERE o.id = c.id AND o.route_position = c.position AND o.status IN {OrderLifecycle.Claim.FromSql}
                RETURNING o.id, c.instance)
            INSERT INTO order_events (order_id, at, kind, detail)
            SELECT id, $6, 'dispatching', jsonb_build_object('instance', instance::text) FROM moved
            """, claimed.Select(c => c.OrderId).ToArray(), Bigints(claimed.Select(c => c.ProviderId)), claimed.Select(c => c.RoutePosition).ToArray(),
            Texts(claimed.Select(c => c.LinkKey)), Uuids(claimed.Select(c => (Guid?)c.Instance)), now);
    }

    public static void Accepted(NpgsqlBatch batch, List<OrderChange.Accepted> accepted, DateTimeOffset now)
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

    /// <summary>A late accepted answer for an order in review that has no provider order id: tracked again.</summary>
    public static void Retracked(NpgsqlBatch batch, List<OrderChange.Retracked> retracked, DateTimeOffset now)
    {
        if (retracked.Count == 0)
        {
            return;
        }

        Add(batch, $"""
            WITH moved AS (
                UPDATE orders o SET status = '{InProgress}', provider_order_id = a.provider_order_id, dispatched_at = $3, next_check_at = a.next_check_at,
                    error = NULL, claimed_by = NULL, updated_at = $3, result = coalesce(a.result, o.result)
                FROM unnest($1::bigint[], $2::text[], $4::timestamptz[], $5::jsonb[]) AS a(id, provider_order_id, next_check_at, result)
                WHERE o.id = a.id AND o.status IN {OrderLifecycle.Retrack.FromSql} AND o.provider_order_id IS NULL
                RETURNING o.id, a.provider_order_id)
            INSERT INTO order_events (order_id, at, kind, detail)
            SELECT id, $3, 'accepted', jsonb_build_object('provider_order_id', provider_order_id, 'late', true) FROM moved
            """, retracked.Select(a => a.OrderId).ToArray(), retracked.Select(a => a.ProviderOrderId).ToArray(), now,
            retracked.Select(a => a.NextCheckAt).ToArray(), Jsonb(retracked.Select(a => a.ResultJson)));
    }

    public static void Deferred(NpgsqlBatch batch, List<OrderChange.Deferred> deferred, DateTimeOffset now)
    {
        if (deferred.Count == 0)
        {
            return;
        }

        Add(batch, $"""
            WITH moved AS (
                UPDATE orders o SET status = '{Pending}', next_attempt_at = d.until, error = d.reason, claimed_by = NULL, updated_at = $4
                FROM unnest($1::bigint[], $2::timestamptz[], $3::text[]) AS d(id, until, reason)
                WHERE o.id = d.id AND o.status IN {OrderLifecycle.Defer.FromSql}
                RETURNING o.id, d.until, d.reason)
            INSERT INTO order_events (order_id, at, kind, detail)
            SELECT id, $4, 'dispatch_deferred', jsonb_build_object('reason', reason, 'next_attempt_at', until) FROM moved
            """, deferred.Select(d => d.OrderId).ToArray(), deferred.Select(d => d.Until).ToArray(), deferred.Select(d => d.Reason).ToArray(), now);
    }

    /// <summary>
    /// Failover: on to another route, pending and due at once, with a fresh count of attempts. Guarded by the state it leaves and by
    /// the route it leaves, so a move is made once. The event names both routes.
    /// </summary>
    public static void Rerouted(NpgsqlBatch batch, List<OrderChange.Rerouted> moves, string leaving, DateTimeOffset now)
    {
        if (!OrderLifecycle.Reroute.From.Contains(leaving))
        {
            throw new InvalidOperationException($"The lifecycle has no move 'reroute' from {leaving}.");
        }

        Add(batch, $"""
            WITH moved AS (
                UPDATE orders o SET status = '{Pending}', route_position = m.to_position, attempts = 0, next_attempt_at = NULL,
                    error = m.reason, claimed_by = NULL, updated_at = $6
                FROM unnest($1::bigint[], $2::int[], $3::int[], $4::text[], $5::jsonb[]) AS m(id, from_position, to_position, reason, detail)
                WHERE o.id = m.id AND o.status = $7 AND o.route_position = m.from_position
                RETURNING o.id, m.detail)
            INSERT INTO order_events (order_id, at, kind, detail)
            SELECT id, $6, 'rerouted', detail FROM moved
            """, moves.Select(m => m.OrderId).ToArray(), moves.Select(m => m.FromRoute.Position).ToArray(), moves.Select(m => m.ToRoute.Position).ToArray(),
            moves.Select(m => m.Reason).ToArray(),
            Jsonb(moves.Select(m => JsonSerializer.Serialize(new { from = m.FromRoute.Describe(), to = m.ToRoute.Describe(), reason = m.Reason }))), now, leaving);
    }

    public static void HeldAtProvider(NpgsqlBatch batch, List<OrderChange.HeldAtProvider> held, DateTimeOffset now)
    {
        if (held.Count == 0)
        {
            return;
        }

        Add(batch, $"""
            WITH moved AS (
                UPDATE orders o SET status = '{Held}', held_by = NULL, next_attempt_at = h.until, error = h.reason, claimed_by = NULL, updated_at = $4
                FROM unnest($1::bigint[], $2::timestamptz[], $3::text[]) AS h(id, until, reason)
                WHERE o.id = h.id AND o.status IN {OrderLifecycle.HoldAtProvider.FromSql}
                RETURNING o.id, h.until, h.reason)
            INSERT INTO order_events (order_id, at, kind, detail)
            SELECT id, $4, 'held', jsonb_build_object('reason', reason, 'next_attempt_at', until) FROM moved
            """, held.Select(h => h.OrderId).ToArray(), held.Select(h => h.Until).ToArray(), held.Select(h => h.Reason).ToArray(), now);
    }

    public static void HeldBehind(NpgsqlBatch batch, List<OrderChange.HeldBehind> held, DateTimeOffset now)
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

    public static void Waiting(NpgsqlBatch batch, List<OrderChange.Waiting> waiting, DateTimeOffset now)
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

    /// <summary>Provably never sent (no attempt sending): back to pending, the claim's attempt count given back.</summary>
    public static void ReleasedUnsent(NpgsqlBatch batch, List<OrderChange.ReleasedUnsent> released, DateTimeOffset now)
    {
        if (released.Count == 0)
        {
            return;
        }

        Add(batch, $"""
            WITH moved AS (
                UPDATE orders o SET status = '{Pending}', claimed_by = NULL, attempts = greatest(o.attempts - 1, 0), updated_at = $4
                FROM unnest($1::bigint[], $2::uuid[], $3::text[]) AS r(id, instance, reason)
                WHERE o.id = r.id AND o.status IN {OrderLifecycle.ReleaseUnsent.FromSql} AND (r.instance IS NULL OR o.claimed_by = r.instance)
                  AND NOT EXISTS (SELECT 1 FROM order_attempts a WHERE a.order_id = o.id AND a.outcome = '{AttemptOutcome.Sending}')
                RETURNING o.id, r.instance, r.reason)
            INSERT INTO order_events (order_id, at, kind, detail)
            SELECT id, $4, 'dispatch_recovered', jsonb_build_object('reason', reason, 'instance', instance::text) FROM moved
            """, released.Select(r => r.OrderId).ToArray(), Uuids(released.Select(r => r.Instance)), released.Select(r => r.Reason).ToArray(), now);
    }
}
