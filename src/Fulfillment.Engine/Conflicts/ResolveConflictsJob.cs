using Fulfillment.Data.Entities;
using Fulfillment.Engine.Database;
using Fulfillment.Engine.Jobs;
using Fulfillment.Engine.Lifecycle;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Fulfillment.Engine.Conflicts;

/// <summary>
/// ResolveConflicts: releases held orders whose blocker has finished (a trigger does this at once
/// when the blocker finishes; this is the safety net), and those held by the provider's own
/// same-link refusal once their wait is over. Released orders are checked again at pickup, so a
/// chain on one link runs one order after another, in placement order.
/// </summary>
public sealed class ResolveConflictsJob(NpgsqlDataSource db, TimeProvider clock, ILogger<ResolveConflictsJob> logger) : IEngineJob
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // The held-release trigger (OrderLifecycle.ReleaseHeldTrigger) does this the moment a blocker finishes; this is the net under it.
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
                UPDATE orders o SET status = '{OrderStatus.Pending}', held_by = NULL, next_attempt_at = NULL, updated_at = $1
                FROM releasable r WHERE o.id = r.id
                RETURNING o.id),
            logged AS (
                INSERT INTO order_events (order_id, at, kind, detail)
                SELECT id, $1, 'released', jsonb_build_object('by', 'ResolveConflicts') FROM released)
            SELECT count(*) FROM released
            """);
        command.Parameters.Add(new() { Value = clock.GetUtcNow() });
        var released = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        if (released > 0)
        {
            await using var notify = db.CreateCommand($"SELECT pg_notify('{NotifyChannels.Orders}', '')");
            await notify.ExecuteNonQueryAsync(cancellationToken);
            logger.LogInformation("Released {Count} held order(s)", released);
        }
    }
}
