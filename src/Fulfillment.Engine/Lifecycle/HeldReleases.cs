using Npgsql;
using static Fulfillment.Data.Entities.OrderStatus;

namespace Fulfillment.Engine.Lifecycle;

/// <summary>
/// The move <see cref="OrderLifecycle.ReleaseHeld"/> as the ResolveConflicts job makes it: held orders whose blocker has finished
/// (the trigger <see cref="OrderLifecycle.ReleaseHeldTrigger"/> does this the moment it finishes; this is the net under it), and
/// those held by the provider's own same-link refusal once their wait is over. Back to pending, at most 1,000 at a time.
/// </summary>
public static class HeldReleases
{
    /// <summary>Releases what is due at <paramref name="now"/>; returns how many.</summary>
    public static async Task<long> ReleaseDueAsync(NpgsqlDataSource db, DateTimeOffset now, CancellationToken ct)
    {
        await using var command = db.CreateCommand($"""
            WITH releasable AS MATERIALIZED (
                SELECT h.id FROM orders h
                LEFT JOIN orders b ON b.id = h.held_by
                WHERE h.status IN {OrderLifecycle.ReleaseHeld.FromSql}
                  AND (b.id IS NULL OR b.status IN {OrderLifecycle.TerminalSql})
                  AND (h.next_attempt_at IS NULL OR h.next_attempt_at <= $1)
                ORDER BY h.id
                LIMIT 1000
                FOR NO KEY UPDATE OF h SKIP LOCKED),
            released AS (
                UPDATE orders o SET status = '{Pending}', held_by = NULL, next_attempt_at = NULL, updated_at = $1
                FROM releasable r WHERE o.id = r.id
                RETURNING o.id),
            logged AS (
                INSERT INTO order_events (order_id, at, kind, detail)
                SELECT id, $1, 'released', jsonb_build_object('by', 'ResolveConflicts') FROM released)
            SELECT count(*) FROM released
            """);
        command.Parameters.Add(new() { Value = now });
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }
}
