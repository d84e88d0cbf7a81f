using System.Globalization;
using Fulfillment.Simulator;
using Npgsql;

namespace Fulfillment.Tests.Infrastructure;

/// <summary>What <see cref="Invariants.CompareAsync"/> found: every broken promise, and figures to print.</summary>
public sealed record TruthReport(IReadOnlyList<string> Violations, IReadOnlyDictionary<string, int> Statuses, IReadOnlyDictionary<string, long> Figures)
{
    public string Describe(int max = 25) =>
        $"{Violations.Count} violation(s):\n  " + string.Join("\n  ", Violations.Take(max)) + (Violations.Count > max ? $"\n  ... and {Violations.Count - max} more" : "");
}

/// <summary>
/// The engine's promises, checked once every order has settled against what the provider really did: the
/// simulator's own record of every request and of every order it created, read at its own clock.
/// </summary>
/// <remarks>
/// First line, the provider's truth (nothing in the panel's database can make these pass):
/// <list type="bullet">
/// <item>request by request: the provider processed at most one add per order (an add it refused as a duplicate of
/// an active link counts, though it created nothing), and an add was sent again only after one the provider
/// refused before processing it (a 429, a 5xx, an HTML page);</item>
/// <item>order by order: completed there, completed here with no refund; partial there, partial here refunded by
/// <c>fulfillment_partial_refund(charge, the provider's remains, charged_units)</c> (the SQL rule itself, not a copy);
/// canceled there, canceled here and refunded in full; a subscription ended there, ended here with the provider's final
/// count of posts served recorded and refunded by <c>fulfillment_subscription_refund</c>; accepted there but its id
/// unknown here, <c>review</c> and never refunded; accepted by a provider that then went away for good and in
/// <c>review</c> for it (its status calls failing), whatever became of it there, never refunded; never accepted there,
/// failed or canceled and refunded in full, or still waiting (pending, held, review) with a reason and no refund;
/// nothing accepted there that the panel does not know.</item>
/// </list>
/// Second line, each finished order told its user once (a drip-feed run never). Third line, cheap re-checks of what the
/// database already enforces (a deferred trigger refuses a balance the ledger does not explain; unique indexes allow
/// one charge and one refund per order). They only catch a migration that dropped those guards.
/// </remarks>
public static class Invariants
{
    /// <summary>
    /// Orders the engine still has work on. Everything else is terminal, in review, or an emulated drip-feed parent that
    /// waits for a person: no run of it is open but one in review, and it creates no further run (its last run exists, or
    /// its last three runs were not delivered).
    /// </summary>
    public const string UnsettledSql = """
        SELECT count(*) FROM orders o
        WHERE o.status NOT IN ('completed', 'partial', 'canceled', 'failed', 'review')
          AND NOT (o.emulated_runs IS NOT NULL AND o.status = 'in_progress'
                   AND NOT EXISTS (SELECT 1 FROM orders r WHERE r.parent_id = o.id AND r.status IN ('pending', 'held', 'dispatching', 'in_progress'))
                   AND EXISTS (SELECT 1 FROM orders r WHERE r.parent_id = o.id AND r.status = 'review')
                   AND ((SELECT max(r.run_number) FROM orders r WHERE r.parent_id = o.id) = o.emulated_runs
                        OR (SELECT count(*) FROM (SELECT r.status FROM orders r WHERE r.parent_id = o.id ORDER BY r.run_number DESC LIMIT 3) t
                            WHERE t.status IN ('failed', 'canceled')) = 3))
        """;

    /// <summary>Asserts every promise for the orders of <paramref name="providerId"/>'s services; returns the orders by status.</summary>
    public static Task<Dictionary<string, int>> AssertAllAsync(NpgsqlDataSource db, ProviderSimulator simulator, long providerId, int orders, string label) =>
        AssertAllAsync(db, [simulator], providerId, orders, label);

    /// <summary>
    /// Asserts every promise for the orders of the services whose first route is <paramref name="providerId"/>, across
    /// <paramref name="simulators"/>: every provider their routes lead to (an order is taken once by all of them together).
    /// </summary>
    public static async Task<Dictionary<string, int>> AssertAllAsync(NpgsqlDataSource db, IReadOnlyList<ProviderSimulator> simulators, long providerId, int orders,
        string label)
    {
        var report = await CompareAsync(db, simulators, providerId);
        Console.WriteLine($"{label}: " + string.Join(", ", report.Figures.Select(kv => $"{kv.Key}={kv.Value}")));
        Console.WriteLine($"{label}: " + string.Join(", ", report.Statuses.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}")));
        Assert.True(report.Violations.Count == 0, $"{label}: {report.Describe()}");
        Assert.Equal(orders, report.Statuses.Values.Sum());

        // Second line: what the database enforces itself, re-checked in case a migration dropped a guard.
        var panel = new Panel(db);
        await AssertEveryBalanceIsItsLedgerSumAsync(panel);
        await AssertAtMostOneChargeAndOneRefundPerOrderAsync(panel);
        await AssertEachFinishedOrderToldItsUserOnceAsync(panel);
        await AssertDripFeedsAsync(panel, db);
        return new Dictionary<string, int>(report.Statuses, StringComparer.Ordinal);
    }

    /// <summary>Compares the orders of <paramref name="providerId"/>'s services with the simulator's record; never throws for a violation.</summary>
    public static Task<TruthReport> CompareAsync(NpgsqlDataSource db, ProviderSimulator simulator, long providerId) => CompareAsync(db, [simulator], providerId);

    /// <summary>
    /// Compares the orders of the services whose first route is <paramref name="providerId"/> with the records of every
    /// provider their routes lead to; never throws for a violation. Requests are checked provider by provider (an order
    /// refused by one route's provider may go to the next route's); orders across all of them (created once in all).
    /// Each family of promises is one method of <see cref="Comparison"/>.
    /// </summary>
    public static async Task<TruthReport> CompareAsync(NpgsqlDataSource db, IReadOnlyList<ProviderSimulator> simulators, long providerId)
    {
        var comparison = new Comparison(ProviderRecord.Read(simulators), await RunsSentByLinkAsync(db), await ReadOrdersAsync(db, providerId));
        comparison.CheckAddsProcessedOnceAndResentOnlyAfterARefusal();
        comparison.CheckDripFeedLinksTakenAtMostOncePerRunSent();
        comparison.CheckEveryOrderAgainstTheProvider();
        await comparison.CheckRefundsByTheSqlRulesAsync(db);
        comparison.CheckNothingCreatedThatNoOrderCarries();
        return comparison.Report();
    }

    /// <summary>The deferred <c>balance_mismatch</c> trigger's promise: every balance equals its ledger sum.</summary>
    private static async Task AssertEveryBalanceIsItsLedgerSumAsync(Panel panel) =>
        Assert.Equal(0L, await panel.ScalarAsync<long>("""
            SELECT count(*) FROM users u
            WHERE u.balance <> (SELECT coalesce(sum(amount), 0) FROM ledger l WHERE l.user_id = u.id)
            """));

    /// <summary>The promise of <c>ux_ledger_one_charge_per_order</c> and <c>ux_ledger_one_refund_per_order</c>.</summary>
    private static async Task AssertAtMostOneChargeAndOneRefundPerOrderAsync(Panel panel) =>
        Assert.Equal(0L, await panel.ScalarAsync<long>("""
            SELECT count(*) FROM (SELECT order_id, kind FROM ledger WHERE kind IN ('charge', 'refund') AND order_id IS NOT NULL
                                  GROUP BY order_id, kind HAVING count(*) > 1) twice
            """));

    /// <summary>Each finished order told its user once (a run never: <see cref="AssertDripFeedsAsync"/>); none only for an anonymised account.</summary>
    private static async Task AssertEachFinishedOrderToldItsUserOnceAsync(Panel panel) =>
        Assert.Equal("", await panel.ScalarAsync<string>("""
            SELECT coalesce(string_agg('order ' || o.id || ' (' || o.status || ') has ' || n || ' notifications', '; '), '') FROM (
                SELECT o.id, o.status, (SELECT count(*) FROM notifications x WHERE x.order_id = o.id) AS n FROM orders o
                WHERE o.parent_id IS NULL AND o.anonymized_at IS NULL AND o.status IN ('completed', 'partial', 'canceled', 'failed')) o
            WHERE n <> 1
            """));

    /// <summary>What the providers recorded, read once: the adds each received, and the orders each created, each at its own clock.</summary>
    private sealed class ProviderRecord
    {
        /// <summary>Every add, with the index of the provider that received it.</summary>
        public List<(int Provider, RecordedRequest Add)> Adds { get; } = [];

        /// <summary>Providers whose record of adds is incomplete (the request-by-request check would miss some).</summary>
        public List<string> Incomplete { get; } = [];

        /// <summary>Every order created, with its provider's clock when read.</summary>
        public Dictionary<SimulatedOrder, DateTimeOffset> NowAt { get; } = new(ReferenceEqualityComparer.Instance);

        /// <summary>Orders created by a provider that has since gone away for good.</summary>
        public HashSet<SimulatedOrder> AtGoneProvider { get; } = new(ReferenceEqualityComparer.Instance);

        public Dictionary<string, List<SimulatedOrder>> CreatedByLink { get; private set; } = [];

        public static ProviderRecord Read(IReadOnlyList<ProviderSimulator> simulators)
        {
            var record = new ProviderRecord();
            for (var p = 0; p < simulators.Count; p++)
            {
                var recorded = simulators[p].Record.Requests("add");
                if (recorded.Count != simulators[p].Record.Count("add"))
                {
                    record.Incomplete.Add($"simulator {p} recorded {recorded.Count} of {simulators[p].Record.Count("add")} adds: the request-by-request check would be incomplete");
                }

                record.Adds.AddRange(recorded.Select(a => (p, a)));
            }

            foreach (var simulator in simulators)
            {
                var now = simulator.Now;
                foreach (var order in simulator.Orders.All())
                {
                    record.NowAt[order] = now;
                    if (!simulator.IsUp)
                    {
                        record.AtGoneProvider.Add(order);
                    }
                }
            }

            record.CreatedByLink = record.NowAt.Keys.GroupBy(o => o.Link, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
            return record;
        }
    }

    /// <summary>One comparison of the panel's orders with the providers' record: every violation found, and figures to print.</summary>
    private sealed class Comparison(ProviderRecord provider, Dictionary<string, int> runsSent, List<PanelOrder> rows)
    {
        private readonly List<string> _violations = [];
        private readonly Dictionary<string, long> _figures = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _statuses = new(StringComparer.Ordinal);
        private readonly HashSet<string> _known = new(runsSent.Keys, StringComparer.Ordinal);
        private readonly List<(PanelOrder Order, long Remains)> _partials = [];
        private readonly List<(PanelOrder Order, int Served)> _subscriptionsEnded = [];
        private int _reviewedAtGoneProvider;

        /// <summary>
        /// Request by request, at each provider: processed at most once, re-sent only after a refusal before processing. An
        /// emulated drip-feed's runs share its link, one add per run: their link is checked against the runs sent
        /// (<see cref="CheckDripFeedLinksTakenAtMostOncePerRunSent"/>) and by AssertDripFeedsAsync, not add by add.
        /// </summary>
        public void CheckAddsProcessedOnceAndResentOnlyAfterARefusal()
        {
            _violations.AddRange(provider.Incomplete);
            var resentAfterRefusal = 0;
            foreach (var link in provider.Adds.Where(a => a.Add.Field("link") is not null && !runsSent.ContainsKey(a.Add.Field("link")!))
                         .GroupBy(a => (a.Provider, Link: a.Add.Field("link")!)))
            {
                var sent = link.Select(a => a.Add).OrderBy(a => a.Sequence).ToList();
                var processed = sent.Where(a => a.Handling == RequestHandling.Processed).ToList();
                if (processed.Count > 1)
                {
                    _violations.Add($"{link.Key.Link}: provider {link.Key.Provider} processed {processed.Count} adds ({string.Join("; ", processed.Select(Describe))})");
                }

                for (var i = 0; i < sent.Count - 1; i++)
                {
                    if (sent[i].Handling != RequestHandling.RefusedBeforeProcessing)
                    {
                        _violations.Add($"{link.Key.Link}: add {Describe(sent[i])} at provider {link.Key.Provider} was followed by add #{sent[i + 1].Sequence}; only an add refused before processing may be sent again");
                    }
                    else
                    {
                        resentAfterRefusal++;
                    }
                }
            }

            var adds = provider.Adds.Select(a => a.Add).ToList();
            _figures["adds_received"] = adds.Count;
            _figures["adds_processed"] = adds.Count(a => a.Handling == RequestHandling.Processed);
            _figures["adds_resent_after_refusal_before_processing"] = resentAfterRefusal;
            _figures["adds_refused_before_processing"] = adds.Count(a => a.Handling == RequestHandling.RefusedBeforeProcessing);
            _figures["adds_answer_lost_after_processing"] = adds.Count(a => a.Handling == RequestHandling.Processed && (a.AnsweredAt is null || a.Fault is not null));
            _figures["adds_unanswered_before_processing"] = adds.Count(a => a.Handling == RequestHandling.Received);
        }

        /// <summary>A drip-feed's link is taken by the providers at most once per run the engine sent.</summary>
        public void CheckDripFeedLinksTakenAtMostOncePerRunSent()
        {
            foreach (var (link, runs) in runsSent)
            {
                if (provider.CreatedByLink.GetValueOrDefault(link)?.Count is { } taken && taken > runs)
                {
                    _violations.Add($"{link}: the provider created {taken} orders for a drip-feed that sent {runs} run(s)");
                }
            }
        }

        /// <summary>Order by order, against the providers' own records, each at its own clock (a drip-feed parent's by AssertDripFeedsAsync).</summary>
        public void CheckEveryOrderAgainstTheProvider()
        {
            foreach (var o in rows)
            {
                _statuses[o.Status] = _statuses.GetValueOrDefault(o.Status) + 1;
                if (o.DripFeed)
                {
                    continue; // a parent: its runs and its money are checked by AssertDripFeedsAsync
                }

                _known.Add(o.Link);
                CheckReasonAndRefundLedger(o);
                var there = provider.CreatedByLink.GetValueOrDefault(o.Link) ?? [];
                if (there.Count > 1)
                {
                    _violations.Add($"{o}: created {there.Count} times at the provider ({string.Join(", ", there.Select(s => s.Id))})");
                }
                else if (there.Count == 0)
                {
                    CheckNeverAcceptedThere(o);
                }
                else
                {
                    CheckAcceptedThere(o, there[0]);
                }
            }
        }

        /// <summary>The partial and subscription refunds, the rules applied to the providers' own figures by the SQL functions production uses.</summary>
        public async Task CheckRefundsByTheSqlRulesAsync(NpgsqlDataSource db)
        {
            foreach (var (o, remains, expected) in await PartialRefundsAsync(db, _partials))
            {
                Expect(o, expected, $"partial at the provider (remains {remains}; fulfillment_partial_refund)");
            }

            foreach (var (o, served, expected) in await SubscriptionRefundsAsync(db, _subscriptionsEnded))
            {
                Expect(o, expected, $"a subscription ended at the provider with {served} of {o.ChargedPosts} posts served (fulfillment_subscription_refund)");
            }
        }

        /// <summary>Nothing accepted by a provider that no panel order carries (call after <see cref="CheckEveryOrderAgainstTheProvider"/>).</summary>
        public void CheckNothingCreatedThatNoOrderCarries()
        {
            foreach (var (link, orders) in provider.CreatedByLink.Where(kv => !_known.Contains(kv.Key)).Take(20))
            {
                _violations.Add($"{link}: the provider created {string.Join(", ", orders.Select(s => s.Id))}, which no order of the panel carries");
            }
        }

        public TruthReport Report()
        {
            var created = provider.CreatedByLink;
            // Accepted and answered intact, yet the panel never learnt the id: the engine lost the answer itself (a kill
            // between the answer and its recording, or a client timeout on a loaded machine). Such orders are in review.
            var recordedIds = rows.Where(o => o.ProviderOrderId is not null).Select(o => o.ProviderOrderId!).ToHashSet(StringComparer.Ordinal);
            _figures["adds_answered_intact_but_unrecorded"] = provider.Adds.Count(a => a.Add.CreatedOrderId is { } id && a.Add.AnsweredAt is not null && a.Add.Fault is null
                && !recordedIds.Contains(id.ToString(CultureInfo.InvariantCulture)));
            _figures["orders_created_at_provider"] = created.Values.Sum(v => v.Count);
            _figures["review_accepted_there_unknown_here"] = rows.Count(o => o.Status == "review" && o.ProviderOrderId is null && created.ContainsKey(o.Link));
            _figures["review_never_accepted_there"] = rows.Count(o => o.Status == "review" && !created.ContainsKey(o.Link));
            _figures["partial_refunds_checked_against_provider_remains"] = _partials.Count;
            _figures["subscription_refunds_checked_against_provider_posts"] = _subscriptionsEnded.Count;
            _figures["review_provider_went_away"] = _reviewedAtGoneProvider;
            return new TruthReport(_violations, _statuses, _figures);
        }

        /// <summary>Every order: in review only with a reason, and its refund column what its ledger rows say.</summary>
        private void CheckReasonAndRefundLedger(PanelOrder o)
        {
            if (o.Status == "review" && string.IsNullOrWhiteSpace(o.Error))
            {
                _violations.Add($"{o}: in review without a reason");
            }

            if (o.Refunded != o.RefundLedger)
            {
                _violations.Add($"{o}: refunded {o.Refunded} but the ledger's refund rows sum to {o.RefundLedger}");
            }
        }

        /// <summary>Never accepted there: failed (or canceled) and refunded in full, or still waiting with a reason and no refund.</summary>
        private void CheckNeverAcceptedThere(PanelOrder o)
        {
            if (o.ProviderOrderId is not null)
            {
                _violations.Add($"{o}: holds provider order {o.ProviderOrderId}, which the provider never created");
            }
            else if (o.Status is "failed" or "canceled")
            {
                Expect(o, o.Charge, "never accepted by the provider");
            }
            else if (o.Status is "pending" or "held" or "review")
            {
                if (string.IsNullOrWhiteSpace(o.Error))
                {
                    _violations.Add($"{o}: never accepted by the provider and waiting without a reason");
                }

                Expect(o, 0m, "never accepted by the provider, still waiting");
            }
            else
            {
                _violations.Add($"{o}: never accepted by the provider, yet {o.Status}");
            }
        }

        /// <summary>
        /// Accepted there once: the panel holds that very id (or, not knowing it, waits in review unrefunded); an order its
        /// provider had when it went away is in review for it, never refunded; the rest end as the provider's order ended.
        /// </summary>
        private void CheckAcceptedThere(PanelOrder o, SimulatedOrder order)
        {
            if (o.ProviderOrderId is null)
            {
                // Accepted there, unknown here: only a person can settle it.
                if (o.Status != "review")
                {
                    _violations.Add($"{o}: the provider accepted it as {order.Id} but the panel does not know that, and it is {o.Status} instead of review");
                }

                Expect(o, 0m, $"accepted by the provider as {order.Id}, unknown here");
            }
            else if (o.ProviderOrderId != order.Id.ToString(CultureInfo.InvariantCulture))
            {
                _violations.Add($"{o}: holds provider order {o.ProviderOrderId} but the provider created {order.Id} for its link");
            }
            else if (provider.AtGoneProvider.Contains(order) && o.Status == "review" && o.Error?.Contains("has failed every status call", StringComparison.Ordinal) == true)
            {
                // Its provider went away while it had the order: whatever became of it there, the panel cannot know, so a
                // person settles it (Tracking:UnreachableReviewAfter). Never refunded meanwhile.
                Expect(o, 0m, "in review because its provider went away");
                _reviewedAtGoneProvider++;
            }
            else if (o.ChargedPosts is { } posts)
            {
                CheckSubscriptionEndedAsThere(o, order, posts);
            }
            else
            {
                CheckOrderEndedAsThere(o, order);
            }
        }

        /// <summary>A subscription: ended here when it ended there, with the provider's final count of posts served; still running otherwise, unrefunded.</summary>
        private void CheckSubscriptionEndedAsThere(PanelOrder o, SimulatedOrder order, int posts)
        {
            var now = provider.NowAt[order];
            var state = order.StateAt(now);
            var served = order.PostsServedAt(now);
            if (state is SimulatedOrderState.Completed or SimulatedOrderState.Canceled or SimulatedOrderState.Expired or SimulatedOrderState.Partial)
            {
                if (o.Status is not ("completed" or "partial" or "canceled" or "failed"))
                {
                    _violations.Add($"{o}: the subscription ended at the provider ({state}, {served} of {posts} posts), yet {o.Status} here");
                }
                else if (o.PostsServed != served)
                {
                    _violations.Add($"{o}: the subscription counted {o.PostsServed} posts served; the provider's final count is {served}");
                }

                _subscriptionsEnded.Add((o, served)); // its refund: CheckRefundsByTheSqlRulesAsync
                return;
            }

            if (o.Status is not ("in_progress" or "review"))
            {
                _violations.Add($"{o}: the subscription is still {state} at the provider, yet {o.Status}");
            }

            Expect(o, 0m, $"a subscription still {state} at the provider");
        }

        /// <summary>
        /// A one-off order: completed there, completed here unrefunded; partial there, partial here (its refund:
        /// <see cref="CheckRefundsByTheSqlRulesAsync"/>); canceled there, canceled here refunded in full; still running there, unrefunded here.
        /// </summary>
        private void CheckOrderEndedAsThere(PanelOrder o, SimulatedOrder order)
        {
            var state = order.StateAt(provider.NowAt[order]);
            var remains = order.RemainsAt(provider.NowAt[order]);
            switch (state)
            {
                case SimulatedOrderState.Completed:
                    Status(o, "completed", $"completed at the provider (remains {remains})");
                    Expect(o, 0m, "completed at the provider");
                    break;
                case SimulatedOrderState.Partial:
                    Status(o, "partial", $"partial at the provider (remains {remains} of {order.Quantity})");
                    _partials.Add((o, remains));
                    break;
                case SimulatedOrderState.Canceled:
                    Status(o, "canceled", "canceled at the provider");
                    Expect(o, o.Charge, "canceled at the provider");
                    break;
                default:
                    if (o.Status is not ("in_progress" or "review"))
                    {
                        _violations.Add($"{o}: still {state} at the provider, yet {o.Status}");
                    }

                    Expect(o, 0m, $"still {state} at the provider");
                    break;
            }
        }

        private static string Describe(RecordedRequest r) =>
            $"#{r.Sequence} {r.Handling}" + (r.Fault is null ? "" : $" ({r.Fault})") + (r.CreatedOrderId is { } id ? $" created {id}" : "") +
            (r.Refusal is null ? "" : $" refused: {r.Refusal}");

        private void Status(PanelOrder o, string expected, string why)
        {
            if (o.Status != expected)
            {
                _violations.Add($"{o}: {why}, but {o.Status} here");
            }
        }

        private void Expect(PanelOrder o, decimal refund, string why)
        {
            if (o.RefundLedger != refund || o.Refunded != refund)
            {
                _violations.Add($"{o}: {why}: the refund must be {refund}, the ledger has {o.RefundLedger} (orders.refunded {o.Refunded})");
            }
        }
    }

    private static async Task<List<(PanelOrder Order, long Remains, decimal Refund)>> PartialRefundsAsync(NpgsqlDataSource db, List<(PanelOrder Order, long Remains)> partials)
    {
        var result = new List<(PanelOrder, long, decimal)>();
        if (partials.Count == 0)
        {
            return result;
        }

        await using var command = db.CreateCommand("""
            SELECT t.id, fulfillment_partial_refund(o.charge, t.remains, o.charged_units)
            FROM unnest($1::bigint[], $2::bigint[]) AS t(id, remains) JOIN orders o ON o.id = t.id
            """);
        command.Parameters.Add(new() { Value = partials.Select(p => p.Order.Id).ToArray() });
        command.Parameters.Add(new() { Value = partials.Select(p => p.Remains).ToArray() });
        var byId = partials.ToDictionary(p => p.Order.Id);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var (order, remains) = byId[reader.GetInt64(0)];
            result.Add((order, remains, reader.GetDecimal(1)));
        }

        return result;
    }

    private static async Task<List<(PanelOrder Order, int Served, decimal Refund)>> SubscriptionRefundsAsync(NpgsqlDataSource db,
        List<(PanelOrder Order, int Served)> ended)
    {
        var result = new List<(PanelOrder, int, decimal)>();
        if (ended.Count == 0)
        {
            return result;
        }

        await using var command = db.CreateCommand("""
            SELECT t.id, CASE WHEN o.status = 'completed' THEN 0 ELSE fulfillment_subscription_refund(o.charge, o.charged_posts, t.served) END
            FROM unnest($1::bigint[], $2::int[]) AS t(id, served) JOIN orders o ON o.id = t.id
            """);
        command.Parameters.Add(new() { Value = ended.Select(p => p.Order.Id).ToArray() });
        command.Parameters.Add(new() { Value = ended.Select(p => p.Served).ToArray() });
        var byId = ended.ToDictionary(p => p.Order.Id);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var (order, served) = byId[reader.GetInt64(0)];
            result.Add((order, served, reader.GetDecimal(1)));
        }

        return result;
    }

    private static async Task<List<PanelOrder>> ReadOrdersAsync(NpgsqlDataSource db, long providerId)
    {
        await using var command = db.CreateCommand("""
            SELECT o.id, o.status, o.link, o.charge, o.provider_order_id, o.refunded, o.error,
                   (SELECT coalesce(sum(amount), 0) FROM ledger l WHERE l.order_id = o.id AND l.kind = 'refund'),
                   o.emulated_runs IS NOT NULL, o.charged_posts, o.posts_served
            FROM orders o JOIN services s ON s.id = o.service_id
            WHERE s.provider_id = $1 AND o.parent_id IS NULL
            ORDER BY o.id
            """);
        command.Parameters.Add(new() { Value = providerId });
        var rows = new List<PanelOrder>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(new PanelOrder(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetDecimal(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetDecimal(5), reader.IsDBNull(6) ? null : reader.GetString(6), reader.GetDecimal(7),
                reader.GetBoolean(8), reader.IsDBNull(9) ? null : reader.GetInt32(9), reader.IsDBNull(10) ? null : reader.GetInt32(10)));
        }

        return rows;
    }

    private sealed record PanelOrder(long Id, string Status, string Link, decimal Charge, string? ProviderOrderId, decimal Refunded, string? Error, decimal RefundLedger,
        bool DripFeed, int? ChargedPosts, int? PostsServed)
    {
        public override string ToString() => $"order {Id} ({Status}, {Link})" + (Status == "review" && Error is { } why ? $" [{(why.Length > 160 ? why[..160] + "..." : why)}]" : "");
    }

    /// <summary>How many runs of each drip-feed link were marked sending (a run deferred after a refusal loses its mark).</summary>
    private static async Task<Dictionary<string, int>> RunsSentByLinkAsync(NpgsqlDataSource db)
    {
        var sent = new Dictionary<string, int>(StringComparer.Ordinal);
        await using var command = db.CreateCommand("""
            SELECT o.link, count(*) FILTER (WHERE EXISTS (SELECT 1 FROM order_attempts a WHERE a.order_id = o.id AND a.outcome <> 'refused'))
            FROM orders o WHERE o.parent_id IS NOT NULL GROUP BY o.link
            """);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            sent[reader.GetString(0)] = (int)reader.GetInt64(1);
        }

        return sent;
    }

    /// <summary>
    /// Every run created once (one row per run number, none past the parent's runs), charged nothing, refunded nothing, never
    /// notified; a finished parent's runs all ended, and its remains are what its runs left (a run completed or partial its
    /// remains within 0..quantity, a run failed or canceled all of it, a run never created all of it); its one refund is the
    /// partial rule applied to those remains, by the SQL function production uses.
    /// </summary>
    private static async Task AssertDripFeedsAsync(Panel panel, NpgsqlDataSource db)
    {
        Assert.Equal(0L, await panel.ScalarAsync<long>("""
            SELECT count(*) FROM orders r JOIN orders p ON p.id = r.parent_id
            WHERE r.run_number > p.emulated_runs OR r.charge <> 0 OR r.refunded <> 0 OR r.link <> p.link OR r.quantity <> p.quantity OR r.user_id <> p.user_id
            """));
        Assert.Equal(0L, await panel.ScalarAsync<long>("SELECT count(*) FROM (SELECT parent_id, run_number FROM orders WHERE parent_id IS NOT NULL GROUP BY 1, 2 HAVING count(*) > 1) d"));
        Assert.Equal(0L, await panel.ScalarAsync<long>("SELECT count(*) FROM ledger l JOIN orders r ON r.id = l.order_id WHERE r.parent_id IS NOT NULL"));
        Assert.Equal(0L, await panel.ScalarAsync<long>("SELECT count(*) FROM notifications n JOIN orders r ON r.id = n.order_id WHERE r.parent_id IS NOT NULL"));
        await using var command = db.CreateCommand("""
            SELECT p.id, p.status, p.emulated_runs, coalesce(p.remains, -1),
                   count(r.id) FILTER (WHERE r.status NOT IN ('completed', 'partial', 'canceled', 'failed')),
                   coalesce(sum(CASE WHEN r.status IN ('completed', 'partial') THEN least(greatest(coalesce(r.remains, 0), 0), p.quantity)
                                     ELSE p.quantity END), 0) + (p.emulated_runs - count(r.id)) * p.quantity AS left_by_runs,
                   p.refunded, (SELECT coalesce(sum(amount), 0) FROM ledger l WHERE l.order_id = p.id AND l.kind = 'refund'),
                   CASE p.status WHEN 'partial' THEN fulfillment_partial_refund(p.charge, p.remains, p.charged_units)
                                 WHEN 'completed' THEN 0 ELSE p.charge END AS rule
            FROM orders p LEFT JOIN orders r ON r.parent_id = p.id
            WHERE p.emulated_runs IS NOT NULL AND p.status IN ('completed', 'partial', 'canceled', 'failed')
            GROUP BY p.id
            """);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var (id, status) = (reader.GetInt64(0), reader.GetString(1));
            Assert.True(reader.GetInt64(4) == 0, $"drip-feed order {id} is {status} with {reader.GetInt64(4)} run(s) still open");
            if (status is "completed" or "partial")
            {
                Assert.True(reader.GetInt64(5) == reader.GetInt64(3), $"drip-feed order {id} ({status}) has remains {reader.GetInt64(3)}; its runs leave {reader.GetInt64(5)}");
            }

            Assert.True(reader.GetDecimal(6) == reader.GetDecimal(8) && reader.GetDecimal(7) == reader.GetDecimal(8),
                $"drip-feed order {id} ({status}) refunded {reader.GetDecimal(6)} (ledger {reader.GetDecimal(7)}); the rule says {reader.GetDecimal(8)}");
        }
    }
}
