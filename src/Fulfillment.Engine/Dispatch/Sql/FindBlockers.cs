using Fulfillment.Data.Entities;
using Fulfillment.Engine.Configuration;
using Fulfillment.Engine.Conflicts;
using Fulfillment.Engine.Database;
using Fulfillment.Engine.Lifecycle;
using Npgsql;

namespace Fulfillment.Engine.Dispatch.Sql;

/// <summary>
/// For each claimed order about to be sent, the earliest active order ahead of it on the same target within the scope: pending or
/// held and placed before it, or already sent; in the table, or in this claim. The scope's advisory locks are taken first (sorted, so
/// instances never deadlock) and held to commit, and the claim stores the link keys before it commits, so a racing instance sees
/// this transaction's outcome before it decides. An emulated drip-feed parent holds no link: its runs do.
/// </summary>
/// <remarks>
/// The claimed orders' own keys are not in the table yet (they are written with the dispatching mark), so two orders of this claim on
/// one target are matched here, by their target (the scope and the key, <see cref="ConflictKeys.Target"/>).
/// </remarks>
public static class FindBlockers
{
    /// <summary>The states an order holds its link in (ix_orders_active_link's predicate), and those in which it has started.</summary>
    private static readonly string[] ActiveOnLink = [OrderStatus.Pending, OrderStatus.Held, OrderStatus.Dispatching, OrderStatus.InProgress];

    private static readonly string[] Started = [OrderStatus.Dispatching, OrderStatus.InProgress];

    /// <summary>One keyed order of the claim and the route it goes out on.</summary>
    public sealed record Keyed(ClaimedOrder Order, string Key, Route? Route);

    /// <summary>
    /// $1 ids, $2 link keys, $3 services, $4 providers, $5 provider services of the claimed orders. One index lookup per claimed order
    /// (LATERAL, link_key = its key, in ix_orders_active_link's states so the index serves it); min(), not ORDER BY id LIMIT 1, so no
    /// plan walks the primary key; OFFSET 0 keeps the scope's conditions out of that scan, so stale statistics cannot bring
    /// ix_orders_service_id into it (docs/scaling.md).
    /// </summary>
    public static string Sql(ConflictScope scope) => $"""
        SELECT c.id, b.id AS blocker
        FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[], $5::text[]) AS c(id, key, service_id, provider_id, provider_service_id)
        CROSS JOIN LATERAL (
            SELECT min(o.id) AS id
            FROM (SELECT * FROM orders WHERE link_key = c.key AND status IN {OrderLifecycle.InList(ActiveOnLink)} OFFSET 0) o
            JOIN services os ON os.id = o.service_id
            {ConflictKeys.ScopeJoin(scope)}
            WHERE o.id <> c.id AND o.emulated_runs IS NULL
              AND (o.status IN {OrderLifecycle.InList(Started)} OR o.id < c.id)
              AND {ConflictKeys.ScopeCondition(scope)}) b
        WHERE b.id IS NOT NULL
        ORDER BY c.id
        """;

    /// <summary>The blocker of each keyed order that has one.</summary>
    public static async Task<Dictionary<long, long>> FindAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, List<Keyed> keyed,
        ConflictScope scope, CancellationToken ct)
    {
        var blockers = new Dictionary<long, long>();
        if (keyed.Count == 0)
        {
            return blockers;
        }

        var targets = keyed.Select(x => (x.Order.Id, Target: ConflictKeys.Target(scope, x.Order.ServiceId, x.Route?.Provider?.Id, x.Route?.ProviderServiceId, x.Key)))
            .ToList();
        foreach (var target in targets.GroupBy(x => x.Target, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            var first = target.Min(x => x.Id);
            foreach (var (id, _) in target.Where(x => x.Id != first))
            {
                blockers[id] = first;
            }
        }

        await using var batch = new NpgsqlBatch(connection, transaction);
        OrderWriter.Add(batch, "SELECT count(*) FROM (SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT unnest($1::bigint[]) AS k) keys ORDER BY k) locks",
            targets.Select(x => ConflictKeys.LockId(x.Target)).ToArray());
        OrderWriter.Add(batch, Sql(scope), keyed.Select(x => x.Order.Id).ToArray(), keyed.Select(x => x.Key).ToArray(),
            keyed.Select(x => x.Order.ServiceId).ToArray(), keyed.Select(x => x.Route?.Provider?.Id).ToArray(), keyed.Select(x => x.Route?.ProviderServiceId).ToArray());
        await using var reader = await batch.ExecuteReaderAsync(ct);
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var (id, blocker) = (reader.Value<long>("id"), reader.Value<long>("blocker"));
            blockers[id] = blockers.TryGetValue(id, out var inClaim) ? Math.Min(inClaim, blocker) : blocker;
        }

        return blockers;
    }

    /// <summary>The link keys of orders not sent now (held or failed behind another), stored so a later claim finds them.</summary>
    public static void StoreKeys(NpgsqlBatch batch, IReadOnlyDictionary<long, string> keys)
    {
        if (keys.Count == 0)
        {
            return;
        }

        OrderWriter.Add(batch, "UPDATE orders SET link_key = u.key FROM unnest($1::bigint[], $2::text[]) AS u(id, key) WHERE orders.id = u.id",
            keys.Keys.ToArray(), keys.Values.ToArray());
    }
}
