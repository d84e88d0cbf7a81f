using Fulfillment.Data.Entities;
using Fulfillment.Engine.Configuration;
using Fulfillment.Engine.Conflicts;
using Fulfillment.Engine.Database;
using Fulfillment.Engine.Lifecycle;
using Fulfillment.Engine.Lifecycle.Decisions;
using Fulfillment.Engine.Providers;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Fulfillment.Engine.Dispatch;

/// <summary>The SQL of dispatch: claim, mark sending, record outcomes, recover after a crash.</summary>
public sealed class DispatchStore(NpgsqlDataSource db, ILogger<DispatchStore> logger)
{
    /// <summary>
    /// The dispatch claim: $1 now, $2 the batch size, $3 order ids or NULL. Public so the plan tests run this text.
    /// </summary>
    /// <remarks>
    /// MATERIALIZED keeps the planner from locking more rows than the limit (docs/style.md, 6). NO KEY UPDATE,
    /// not UPDATE: another instance may hold an order behind one of ours (held_by, a foreign key, takes
    /// KEY SHARE on it); FOR UPDATE would make two such claims deadlock.
    /// </remarks>
    public static readonly string ClaimSql = $$"""
        WITH batch AS MATERIALIZED (
            SELECT id FROM orders
            WHERE status IN {{OrderLifecycle.Claim.FromSql}} AND (next_attempt_at IS NULL OR next_attempt_at <= $1) AND ($3::bigint[] IS NULL OR id = ANY($3))
            ORDER BY id
            LIMIT $2
            FOR NO KEY UPDATE SKIP LOCKED)
        SELECT o.id, o.user_id, u.status, o.link, o.quantity, coalesce(o.params::text, '{}'), o.created_at, o.attempts,
               s.id, s.name, s.type, s.enabled, s.provider_service_id, s.min, s.max, s.dripfeed,
               p.id, p.name, p.kind, p.api_url, p.api_key, p.enabled, p.balance, p.min_balance,
               EXISTS (SELECT 1 FROM order_requests r WHERE r.order_id IN (o.id, o.parent_id) AND r.kind = '{{OrderRequestKind.Cancel}}' AND r.status = '{{OrderRequestStatus.Pending}}'),
               o.route_position, o.route_refusing_since, o.route_pinned, s.rate,
               s.dripfeed_mode,
               EXISTS (SELECT 1 FROM provider_services ps WHERE ps.provider_id = s.provider_id AND ps.service = s.provider_service_id AND ps.dripfeed),
               o.emulated_runs
        FROM batch b
        JOIN orders o ON o.id = b.id
        JOIN users u ON u.id = o.user_id
        JOIN services s ON s.id = o.service_id
        LEFT JOIN providers p ON p.id = s.provider_id
        ORDER BY o.id
        """;

    /// <summary>
    /// Every route of the claimed orders' services ($1), route 0 (the service's own) first, with what Failover judges
    /// them by: the provider row, whether the provider's stored list holds the upstream service (NULL: no list stored),
    /// and its rate in the panel's currency (currency_rates; a currency without a row is the panel's own).
    /// </summary>
    public const string RoutesSql = $"""
        WITH r AS (
            SELECT s.id AS service_id, 0 AS position, s.provider_id, s.provider_service_id, true AS enabled FROM services s WHERE s.id = ANY($1)
            UNION ALL
            SELECT sr.service_id, sr.position, sr.provider_id, sr.provider_service_id, sr.enabled FROM service_routes sr WHERE sr.service_id = ANY($1))
        SELECT r.service_id, r.position, r.provider_service_id, r.enabled,
               p.id, p.name, p.kind, p.api_url, p.api_key, p.enabled, p.balance, p.min_balance,
               CASE WHEN ps.service IS NOT NULL THEN true
                    WHEN EXISTS (SELECT 1 FROM provider_services x WHERE x.provider_id = r.provider_id) THEN false END,
               ps.rate * coalesce(cr.rate, 1)
        FROM r
        LEFT JOIN providers p ON p.id = r.provider_id
        LEFT JOIN provider_services ps ON ps.provider_id = r.provider_id AND ps.service = r.provider_service_id
        LEFT JOIN currency_rates cr ON upper(cr.currency) = upper(p.currency)
        ORDER BY r.service_id, r.position
        """;

    /// <summary>
    /// Claims up to <paramref name="limit"/> due pending orders and, in the same transaction, applies
    /// the pre-send checks and the same-link rule: failures and cancels are finished (refunded),
    /// waits pushed back, orders behind an active order on the same target held (or failed, per
    /// policy), and the rest marked <c>dispatching</c> by this instance. Returns the orders to send.
    /// </summary>
    /// <remarks>
    /// One bad order fails alone: when the claim's writes are refused for a reason that is not transient,
    /// the claimed orders are claimed again one at a time, and one that is still refused goes to review
    /// with the reason, so it is not claimed first, and refused, on every pass after.
    /// <para>
    /// When the orders to send number at most <paramref name="markUpTo"/>, they are also marked sending in the claim's own
    /// commit (<see cref="ClaimResult.Marked"/>): the caller sends them at once, so the separate mark
    /// (<see cref="MarkSendingAsync"/>), a round trip and a commit, would only stand between the claim and the adds. From
    /// that commit on, as after the mark, a crash sends them to review, never twice.
    /// </para>
    /// </remarks>
    public async Task<ClaimResult> ClaimAsync(
        Guid instance, int limit, DateTimeOffset now, Func<ClaimedOrder, DispatchDecision> decide, ConflictOptions conflicts, CancellationToken ct,
        int markUpTo = 0)
    {
        var claimedIds = new List<long>();
        try
        {
            return await ClaimAsync(instance, limit, null, claimedIds, now, decide, conflicts, markUpTo, ct);
        }
        catch (Exception ex) when (RowByRow.IsBadRow(ex) && claimedIds.Count > 0)
        {
            logger.LogWarning("A dispatch claim of {Count} order(s) was refused ({Error}); claiming them one at a time", claimedIds.Count, RowByRow.Reason(ex));
        }

        var results = new List<ClaimResult>();
        foreach (var id in claimedIds)
        {
            try
            {
                results.Add(await ClaimAsync(instance, 1, [id], [], now, decide, conflicts, markUpTo: 0, ct));
            }
            catch (Exception ex) when (RowByRow.IsBadRow(ex))
            {
                var reason = RowByRow.Reason(ex);
                logger.LogError("Order {OrderId} could not be claimed for dispatch and goes to review: {Error}", id, reason);
                await OrderReviews.PutAsideAsync(db, id, OrderStatus.Pending,
                    $"The engine could not claim this order for dispatch ({reason}); it was not sent. Fix the row, then call release_order(id, 'retry'), or release_order(id, 'refund').",
                    now);
            }
        }

        return ClaimResult.Merge(claimedIds.Count, results);
    }

    private async Task<ClaimResult> ClaimAsync(Guid instance, int limit, long[]? ids, List<long> claimedIds, DateTimeOffset now,
        Func<ClaimedOrder, DispatchDecision> decide, ConflictOptions conflicts, int markUpTo, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var claimed = new List<ClaimedOrder>();
        await using (var command = new NpgsqlCommand(ClaimSql, connection, transaction))
        {
            command.Parameters.Add(new() { Value = now });
            command.Parameters.Add(new() { Value = limit });
            command.Parameters.Add(new() { Value = (object?)ids ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                claimed.Add(Read(reader));
            }
        }

        claimedIds.AddRange(claimed.Select(o => o.Id));
        if (claimed.Count > 0)
        {
            var routes = await ReadRoutesAsync(connection, transaction, [.. claimed.Select(o => o.ServiceId).Distinct()], ct);
            claimed = [.. claimed.Select(o => o with { Routes = routes.GetValueOrDefault(o.ServiceId) ?? [new Route(0, o.Provider, o.ProviderServiceId)] })];
        }

        // A decision that moves an order to another route sends it as on that route (its conflicts and its outcome follow it).
        var decided = claimed.Select(order => (Order: order, Decision: DecideSafely(order, decide)))
            .Select(x => x.Decision.Move is { } m ? (Order: x.Order with { RoutePosition = m.To.Position, RouteRefusingSince = null, Attempts = 0 }, x.Decision) : x)
            .ToList();
        var keys = decided
            .Where(x => x.Decision is DispatchDecision.Send)
            .Select(x => (x.Order, Key: ConflictKeys.LinkKey(x.Order.Link)))
            .Where(x => x.Key is not null)
            .ToDictionary(x => x.Order.Id, x => (x.Order, Key: x.Key!));
        var blockers = await FindBlockersAsync(connection, transaction, [.. keys.Values], conflicts, ct);

        var toSend = new List<(ClaimedOrder Order, DispatchDecision Send)>();
        var changes = new List<OrderChange>();
        foreach (var (order, decision) in decided)
        {
            if (decision.Rerouted(order.Id) is { } move)
            {
                // Written first, so the claim (or the wait) below finds the order on its new route.
                changes.Add(move);
            }

            var change = decision is DispatchDecision.Send
                ? ConflictDecision.Decide(order.Id, blockers.TryGetValue(order.Id, out var blocker) ? blocker : null, conflicts.Policy)
                : decision.ToChange(order.Id);
            if (change is null)
            {
                toSend.Add((order, decision));
            }
            else
            {
                changes.Add(change);
            }
        }

        await using var batch = new NpgsqlBatch(connection, transaction);
        // The link key is stored with the order's next write: with the dispatching mark for the orders sent, alone for those
        // held (or failed) behind another order, so a later claim finds them.
        var keyedNotSent = keys.Keys.Except(toSend.Select(x => x.Order.Id)).ToArray();
        if (keyedNotSent.Length > 0)
        {
            Add(batch, "UPDATE orders SET link_key = u.key FROM unnest($1::bigint[], $2::text[]) AS u(id, key) WHERE orders.id = u.id",
                keyedNotSent, keyedNotSent.Select(id => keys[id].Key).ToArray());
        }

        OrderWriter.AddTo(batch, changes, now);
        var finishes = changes.OfType<OrderChange.Finished>().Select(f => f.Finish).ToList();
        var failed = finishes.Count;
        var waiting = changes.Count(c => c is OrderChange.Waiting);
        var held = changes.Count(c => c is OrderChange.HeldBehind);
        var marked = toSend.Count > 0 && toSend.Count <= markUpTo;
        NpgsqlBatchCommand? dispatching = null;
        if (toSend.Count > 0)
        {
            // provider_id is the route's: tracking, cancels, refills and conflicts follow the route the order went out on.
            Add(batch, $"""
                UPDATE orders SET status = '{OrderStatus.Dispatching}', claimed_by = $2, sending_at = $7, attempts = attempts + 1,
                    provider_id = c.provider_id, error = NULL, updated_at = $3, link_key = coalesce(c.link_key, orders.link_key)
                FROM unnest($1::bigint[], $4::bigint[], $5::int[], $6::text[]) AS c(id, provider_id, position, link_key)
                WHERE orders.id = c.id AND orders.route_position = c.position AND orders.status IN {OrderLifecycle.Claim.FromSql}
                """, toSend.Select(x => x.Order.Id).ToArray(), instance, now,
                toSend.Select(x => x.Send.Route?.Provider?.Id ?? x.Order.Provider?.Id).ToArray(),
                toSend.Select(x => x.Order.RoutePosition).ToArray(),
                toSend.Select(x => keys.TryGetValue(x.Order.Id, out var k) ? k.Key : null).ToArray(),
                marked ? (DateTimeOffset?)now : null);
            dispatching = batch.BatchCommands[^1];
            Add(batch, """
                INSERT INTO order_events (order_id, at, kind, detail)
                SELECT id, $2, 'dispatching', jsonb_build_object('instance', $3::text) FROM unnest($1::bigint[]) AS id
                """, toSend.Select(x => x.Order.Id).ToArray(), now, instance.ToString());
        }

        if (batch.BatchCommands.Count > 0)
        {
            await batch.ExecuteNonQueryAsync(ct);
        }

        if (marked && dispatching!.RecordsAffected != toSend.Count)
        {
            // Every order to send is locked by this claim, so each was moved and marked; should one not have been, the batch
            // is left unmarked and goes through the separate mark, which sends only the orders it marks.
            logger.LogWarning("A dispatch claim moved {Moved} of {Count} order(s) to send; marking them separately", dispatching.RecordsAffected, toSend.Count);
            await using var unmark = new NpgsqlCommand(
                $"UPDATE orders SET sending_at = NULL WHERE id = ANY($1) AND claimed_by = $2 AND status = '{OrderStatus.Dispatching}'", connection, transaction);
            unmark.Parameters.Add(new() { Value = toSend.Select(x => x.Order.Id).ToArray() });
            unmark.Parameters.Add(new() { Value = instance });
            await unmark.ExecuteNonQueryAsync(ct);
            marked = false;
        }

        await transaction.CommitAsync(ct);
        return new ClaimResult(claimed.Count, toSend, failed, waiting, held, finishes) { Marked = marked };
    }

    /// <summary>The checks are pure code, but a row may hold what nobody foresaw: an order they cannot judge goes to review, alone.</summary>
    private DispatchDecision DecideSafely(ClaimedOrder order, Func<ClaimedOrder, DispatchDecision> decide)
    {
        try
        {
            return decide(order);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Order {OrderId}: the pre-send checks failed unexpectedly; it goes to review", order.Id);
            return new DispatchDecision.Review(
                $"The engine could not check this order ({RowByRow.Reason(ex)}); it was not sent. Fix the row, then call release_order(id, 'retry'), or release_order(id, 'refund').");
        }
    }

    /// <summary>
    /// Finds, for each order, the earliest active order ahead of it on the same target within the scope:
    /// pending or held and placed before it, or already sent; in the table, or in this claim. The scope's
    /// advisory locks are taken first (sorted, so instances never deadlock) and held to commit, and the
    /// claim stores the link keys before it commits, so a racing instance sees this transaction's outcome
    /// before it decides.
    /// </summary>
    /// <remarks>
    /// The claimed orders' own keys are not in the table yet (they are written with the dispatching mark: one
    /// write of each order fewer, docs/scaling.md): two orders of this claim on one target are matched here, by
    /// their target (the scope and the key, <see cref="ConflictKeys.Target"/>).
    /// </remarks>
    private static async Task<Dictionary<long, long>> FindBlockersAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        List<(ClaimedOrder Order, string Key)> keyed, ConflictOptions conflicts, CancellationToken ct)
    {
        var blockers = new Dictionary<long, long>();
        if (keyed.Count == 0)
        {
            return blockers;
        }

        var targets = keyed.Select(x => (x.Order.Id, Target: ConflictKeys.Target(conflicts.Scope, x.Order.ServiceId, x.Order.CurrentRoute?.Provider?.Id,
            x.Order.CurrentRoute?.ProviderServiceId, x.Key))).ToList();
        var locks = targets.Select(x => ConflictKeys.LockId(x.Target)).ToArray();
        foreach (var target in targets.GroupBy(x => x.Target, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            var first = target.Min(x => x.Id);
            foreach (var (id, _) in target.Where(x => x.Id != first))
            {
                blockers[id] = first;
            }
        }

        await using var batch = new NpgsqlBatch(connection, transaction);
        Add(batch, "SELECT count(*) FROM (SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT unnest($1::bigint[]) AS k) keys ORDER BY k) locks", locks);
        Add(batch, BlockersSql(conflicts.Scope),
            keyed.Select(x => x.Order.Id).ToArray(), keyed.Select(x => x.Key).ToArray(), keyed.Select(x => x.Order.ServiceId).ToArray(),
            keyed.Select(x => x.Order.CurrentRoute?.Provider?.Id).ToArray(), keyed.Select(x => x.Order.CurrentRoute?.ProviderServiceId).ToArray());
        await using var reader = await batch.ExecuteReaderAsync(ct);
        do
        {
            while (await reader.ReadAsync(ct))
            {
                if (reader.FieldCount == 2)
                {
                    var (id, blocker) = (reader.GetInt64(0), reader.GetInt64(1));
                    blockers[id] = blockers.TryGetValue(id, out var inClaim) ? Math.Min(inClaim, blocker) : blocker;
                }
            }
        }
        while (await reader.NextResultAsync(ct));

        return blockers;
    }

    /// <summary>
    /// For each claimed order ($1 ids, $2 link keys, $3 services, $4 providers, $5 provider services), the
    /// earliest active order ahead of it on the same target within <paramref name="scope"/>.
    /// </summary>
    /// <summary>The states an order holds its link in (ix_orders_active_link's predicate), and those in which it has started.</summary>
    private static readonly string[] ActiveOnLink = [OrderStatus.Pending, OrderStatus.Held, OrderStatus.Dispatching, OrderStatus.InProgress];

    private static readonly string[] Started = [OrderStatus.Dispatching, OrderStatus.InProgress];

    public static string BlockersSql(ConflictScope scope) => $"""
        SELECT c.id, b.id
        FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[], $5::text[]) AS c(id, key, service_id, provider_id, provider_service_id)
        -- One index lookup per claimed order (LATERAL, link_key = its key). As a plain join over a batch, once the
        -- table's statistics knew a large finished history, the planner read every active order once per claimed
        -- order (1,000 x 3,800 comparisons, 1.25 s a claim: docs/scaling.md). min(), not ORDER BY id LIMIT 1, so no
        -- plan walks the primary key looking for the link.
        CROSS JOIN LATERAL (
            SELECT min(o.id) AS id
            -- The orders of this link in ix_orders_active_link's states (its predicate, so the index serves the lookup;
            -- written as one OR with the rest, the planner scanned every order placed before the claimed one). OFFSET 0
            -- keeps the conditions below out of this scan: with statistics taken while a service had a few orders, the
            -- planner once combined ix_orders_service_id with the link index, and every probe read all of the service's
            -- orders (1.2-2.4 s a claim of 1,000: docs/scaling.md).
            FROM (SELECT * FROM orders WHERE link_key = c.key AND status IN {OrderLifecycle.InList(ActiveOnLink)} OFFSET 0) o
            JOIN services os ON os.id = o.service_id
            {ConflictKeys.ScopeJoin(scope)}
            WHERE o.id <> c.id
              AND (o.status IN {OrderLifecycle.InList(Started)} OR o.id < c.id)
              AND {ConflictKeys.ScopeCondition(scope)}) b
        WHERE b.id IS NOT NULL
        ORDER BY c.id
        """;

    /// <summary>
    /// The last write before the add requests leave. An order still <c>dispatching</c> without this
    /// mark after a crash provably never reached the provider.
    /// </summary>
    /// <returns>The orders marked: only these may be sent.</returns>
    public async Task<HashSet<long>> MarkSendingAsync(Guid instance, long[] orderIds, DateTimeOffset now, CancellationToken ct)
    {
        // A block or a cancel request (for a drip-feed run, its parent's too) that arrived since the claim (made ahead, while the
        // batch before was sent) wins: those orders are not marked, go back to pending, and the next claim cancels them.
        await using var command = db.CreateCommand($"""
            UPDATE orders SET sending_at = $3, updated_at = $3
            WHERE id = ANY($1) AND status = '{OrderStatus.Dispatching}' AND claimed_by = $2 AND sending_at IS NULL
              AND EXISTS (SELECT 1 FROM users u WHERE u.id = orders.user_id AND u.status = '{UserStatus.Active}')
              AND NOT EXISTS (SELECT 1 FROM order_requests r WHERE r.order_id IN (orders.id, orders.parent_id) AND r.kind = '{OrderRequestKind.Cancel}' AND r.status = '{OrderRequestStatus.Pending}')
            RETURNING id
            """);
        command.Parameters.Add(new() { Value = orderIds });
        command.Parameters.Add(new() { Value = instance });
        command.Parameters.Add(new() { Value = now });
        var marked = new HashSet<long>(orderIds.Length);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            marked.Add(reader.GetInt64(0));
        }

        return marked;
    }

    /// <summary>
    /// Puts orders this instance claimed but never marked sending back to pending: they provably never
    /// left. Returns how many went back.
    /// </summary>
    public async Task<int> ReleaseUnsentAsync(Guid instance, long[] orderIds, DateTimeOffset now, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(connection);
        OrderWriter.AddTo(batch, orderIds.Select(id => new OrderChange.ReleasedUnsent(id, instance, "claimed ahead and not sent")).ToList(), now);
        return await batch.ExecuteNonQueryAsync(ct); // one event per order released
    }

    /// <summary>
    /// Records add outcomes in one transaction. Only orders still <c>dispatching</c> under this instance's
    /// claim take them; an answer for an order that moved on meanwhile (recovered to review, say) is a
    /// late answer: kept in the order's events, and an accepted one puts an order in review back to
    /// tracking, since the provider has it. Returns the late answers.
    /// </summary>
    public async Task<IReadOnlyList<OrderChange>> RecordAsync(Guid instance, IReadOnlyCollection<OrderChange> results, DateTimeOffset now, CancellationToken ct)
    {
        if (results.Count == 0)
        {
            return [];
        }

        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var ours = new HashSet<long>();
        await using (var command = new NpgsqlCommand($"""
            SELECT id FROM orders WHERE id = ANY($1) AND status = '{OrderStatus.Dispatching}' AND claimed_by = $2 ORDER BY id FOR NO KEY UPDATE
            """, connection, transaction))
        {
            command.Parameters.Add(new() { Value = results.Select(r => r.OrderId).ToArray() });
            command.Parameters.Add(new() { Value = instance });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                ours.Add(reader.GetInt64(0));
            }
        }

        var late = results.Where(r => !ours.Contains(r.OrderId)).ToList();
        await using var batch = new NpgsqlBatch(connection, transaction);
        OrderWriter.AddTo(batch, results.Where(r => ours.Contains(r.OrderId)).ToList(), now);
        foreach (var answer in late)
        {
            if (answer is OrderChange.Accepted a)
            {
                // The provider has it: an order that recovery sent to review is tracked instead of waiting for a person.
                Add(batch, $"""
                    UPDATE orders SET status = '{OrderStatus.InProgress}', provider_order_id = $2, dispatched_at = $3, next_check_at = $4, error = NULL,
                        claimed_by = NULL, updated_at = $3, result = coalesce($5::jsonb, result)
                    WHERE id = $1 AND status IN {OrderLifecycle.Retrack.FromSql} AND provider_order_id IS NULL
                    """, a.OrderId, a.ProviderOrderId, now, a.NextCheckAt, new NpgsqlParameter { Value = (object?)a.ResultJson ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Jsonb });
            }

            OrderWriter.Event(batch, answer.OrderId, "late_answer", now, new { outcome = OrderChange.Describe(answer), instance = instance.ToString() });
        }

        if (batch.BatchCommands.Count > 0)
        {
            await batch.ExecuteNonQueryAsync(ct);
        }

        await transaction.CommitAsync(ct);
        return late;
    }

    /// <summary>An order whose own write was refused goes to review alone, with the reason (<see cref="RowByRow"/>).</summary>
    public Task PutAsideAsync(long orderId, string from, string reason, DateTimeOffset now) =>
        OrderReviews.PutAsideAsync(db, orderId, from, reason, now);

    /// <summary>
    /// Keeps the orders this instance still holds (claimed, being sent, or waiting to be recorded) fresh,
    /// so recovery never takes an order whose add is still queued or in flight here, however long a
    /// rate-limited provider holds it. Orders it stops renewing are recovered after AbandonedAfter.
    /// </summary>
    public async Task RenewAsync(Guid instance, long[] orderIds, DateTimeOffset now, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            $"UPDATE orders SET updated_at = $3 WHERE id = ANY($1) AND status = '{OrderStatus.Dispatching}' AND claimed_by = $2");
        command.Parameters.Add(new() { Value = orderIds });
        command.Parameters.Add(new() { Value = instance });
        command.Parameters.Add(new() { Value = now });
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Orders left <c>dispatching</c> by an instance that is gone (no fresh heartbeat) and untouched
    /// since <paramref name="staleBefore"/>, or untouched since <paramref name="abandonedBefore"/>
    /// whatever their instance: back to pending when they provably never left, else review.
    /// </summary>
    public async Task<(int Requeued, int Review)> RecoverAbandonedAsync(
        DateTimeOffset staleBefore, DateTimeOffset abandonedBefore, DateTimeOffset now, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var changes = new List<OrderChange>();
        await using (var command = new NpgsqlCommand($"""
            SELECT o.id, o.sending_at IS NOT NULL FROM orders o
            WHERE o.status = '{OrderStatus.Dispatching}'
              AND ((o.updated_at < $1 AND NOT EXISTS (SELECT 1 FROM engine_instances i WHERE i.id = o.claimed_by AND i.heartbeat_at >= $1))
                   OR o.updated_at < $2)
            ORDER BY o.id
            FOR NO KEY UPDATE OF o SKIP LOCKED
            """, connection, transaction))
        {
            command.Parameters.Add(new() { Value = staleBefore });
            command.Parameters.Add(new() { Value = abandonedBefore });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                changes.Add(Recovery.Decide(reader.GetInt64(0), reader.GetBoolean(1)));
            }
        }

        if (changes.Count > 0)
        {
            await using var batch = new NpgsqlBatch(connection, transaction);
            OrderWriter.AddTo(batch, changes, now);
            await batch.ExecuteNonQueryAsync(ct);
        }

        await transaction.CommitAsync(ct);
        return (changes.Count(c => c is OrderChange.ReleasedUnsent), changes.Count(c => c is OrderChange.ToReview));
    }

    private static ClaimedOrder Read(NpgsqlDataReader r)
    {
        return new ClaimedOrder(
            r.GetInt64(0), r.GetInt64(1), r.GetString(2), r.GetString(3), r.GetInt32(4), r.GetString(5),
            r.GetFieldValue<DateTimeOffset>(6), r.GetInt32(7), r.GetInt64(8), r.GetString(9), r.GetString(10), r.GetBoolean(11),
            r.IsDBNull(12) ? null : r.GetString(12), r.GetInt32(13), r.GetInt32(14), r.GetBoolean(15), ProviderRow.Read(r, 16), r.GetBoolean(24),
            RoutePosition: r.GetInt32(25), RouteRefusingSince: r.IsDBNull(26) ? null : r.GetFieldValue<DateTimeOffset>(26), RoutePinned: r.GetBoolean(27),
            SaleRate: r.IsDBNull(28) ? null : r.GetDecimal(28),
            DripfeedMode: r.GetString(29), ProviderOffersDripfeed: r.GetBoolean(30), EmulatedRuns: r.IsDBNull(31) ? null : r.GetInt32(31));
    }

    /// <summary>The routes of each service (<see cref="RoutesSql"/>), route 0 first.</summary>
    private static async Task<Dictionary<long, List<Route>>> ReadRoutesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long[] services,
        CancellationToken ct)
    {
        var routes = new Dictionary<long, List<Route>>();
        await using var command = new NpgsqlCommand(RoutesSql, connection, transaction);
        command.Parameters.Add(new() { Value = services });
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var route = new Route(reader.GetInt32(1), ProviderRow.Read(reader, 4), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetBoolean(3),
                reader.IsDBNull(12) ? null : reader.GetBoolean(12), reader.IsDBNull(13) ? null : reader.GetDecimal(13));
            if (!routes.TryGetValue(reader.GetInt64(0), out var list))
            {
                routes[reader.GetInt64(0)] = list = [];
            }

            list.Add(route);
        }

        return routes;
    }

    private static void Add(NpgsqlBatch batch, string sql, params object?[] values) => OrderWriter.Add(batch, sql, values);
}

/// <param name="Finishes">The orders finished by the checks (or the same-link policy), committed with the claim.</param>
public sealed record ClaimResult(int Claimed, IReadOnlyList<(ClaimedOrder Order, DispatchDecision Send)> ToSend, int FinishedByChecks, int Waiting, int Held,
    IReadOnlyList<Finish> Finishes)
{
    public static ClaimResult Empty { get; } = new(0, [], 0, 0, 0, []);

    /// <summary>The orders to send were marked sending in the claim's own commit: they must be sent, never put back.</summary>
    public bool Marked { get; init; }

    /// <summary>The claims of one batch's orders made one at a time, as one result of <paramref name="claimed"/> orders.</summary>
    public static ClaimResult Merge(int claimed, IReadOnlyList<ClaimResult> parts) => new(claimed, [.. parts.SelectMany(p => p.ToSend)],
        parts.Sum(p => p.FinishedByChecks), parts.Sum(p => p.Waiting), parts.Sum(p => p.Held), [.. parts.SelectMany(p => p.Finishes)]);
}
