using Fulfillment.Simulator;
using Npgsql;

namespace Fulfillment.Demo;

/// <summary>The summary the demo's panel shows once its orders settled (or the time ran out): one section per concern.</summary>
internal static class DemoSummary
{
    private const string OrdersByStatus = "SELECT status, count(*)::text FROM orders WHERE parent_id IS NULL GROUP BY status ORDER BY count(*) DESC";

    private const string DripFeeds = """
        SELECT 'order ' || p.id || ': ' || p.status, count(r.id) || ' of ' || p.emulated_runs || ' runs, '
               || coalesce(p.emulated_runs * p.quantity - p.remains, 0) || ' of ' || p.emulated_runs * p.quantity || ' delivered, refund ' || to_char(p.refunded, 'FM990.000000')
        FROM orders p LEFT JOIN orders r ON r.parent_id = p.id
        WHERE p.emulated_runs IS NOT NULL GROUP BY p.id ORDER BY p.id
        """;

    private const string Money = """
        SELECT 'charged', to_char(-coalesce(sum(amount) FILTER (WHERE kind = 'charge'), 0), 'FM999990.000000') FROM ledger
        UNION ALL SELECT 'refunded', to_char(coalesce(sum(amount) FILTER (WHERE kind = 'refund'), 0), 'FM999990.000000') FROM ledger
        UNION ALL SELECT 'users whose balance <> ledger sum', count(*)::text FROM users u
            WHERE u.balance <> (SELECT coalesce(sum(amount), 0) FROM ledger l WHERE l.user_id = u.id)
        """;

    private const string ConflictsAndRequests = """
        SELECT 'orders held behind a same-link order', count(DISTINCT order_id)::text FROM order_events WHERE kind = 'held'
        UNION ALL SELECT 'held orders released', count(DISTINCT order_id)::text FROM order_events WHERE kind = 'released'
        UNION ALL SELECT r.kind || ' request ' || r.status, count(*)::text FROM order_requests r
            JOIN orders o ON o.id = r.order_id WHERE o.charged_posts IS NULL GROUP BY r.kind, r.status
        """;

    /// <summary>The running subscription ($1) and the one ending early ($2).</summary>
    private const string Subscriptions = """
        SELECT o.link,
               CASE WHEN o.status = 'in_progress'
                    THEN format('running: %s of %s posts served (%s), charged %s', o.posts_served, o.charged_posts,
                                coalesce(o.provider_status, 'not asked yet'), o.charge)
                    ELSE format('ended early (%s): %s of %s posts served, charged %s, refunded %s', o.status, o.posts_served,
                                o.charged_posts, o.charge, o.refunded)
               END
        FROM orders o WHERE o.id IN ($1, $2) ORDER BY o.id
        """;

    private const string RoutesAndCosts = """
        SELECT 'failovers (moves to another route)', count(*)::text FROM order_events WHERE kind = 'rerouted'
        UNION ALL SELECT 'orders at ' || p.name, count(*)::text FROM orders o JOIN providers p ON p.id = o.provider_id GROUP BY p.name
        UNION ALL SELECT 'orders whose provider cost is known', count(*)::text FROM orders WHERE provider_charge IS NOT NULL
        UNION ALL SELECT 'provider cost', to_char(coalesce(sum(provider_cost), 0), 'FM999990.000000') FROM order_margins
        UNION ALL SELECT 'margin (charged - refunded - cost)', to_char(coalesce(sum(margin), 0), 'FM999990.000000') FROM order_margins
        """;

    private const string Failovers = """
        SELECT '  order ' || order_id || ': route ' || (detail->'from'->>'position') || ' (' || (detail->'from'->>'provider') || ') -> route '
               || (detail->'to'->>'position') || ' (' || (detail->'to'->>'provider') || ')', ''
        FROM order_events WHERE kind = 'rerouted' ORDER BY id LIMIT 5
        """;

    private const string PlacementToDispatch = """
        SELECT 'p50', round((percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM dispatched_at - created_at)) * 1000)::numeric, 1) || ' ms'
        FROM orders WHERE dispatched_at IS NOT NULL
        UNION ALL
        SELECT 'p99', round((percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM dispatched_at - created_at)) * 1000)::numeric, 1) || ' ms'
        FROM orders WHERE dispatched_at IS NOT NULL
        """;

    private const string Review = """
        SELECT 'order ' || id, coalesce(error, '(no reason recorded)') FROM orders WHERE status = 'review' ORDER BY id
        """;

    private const string Alerts = """
        SELECT kind || ' ' || subject_type || ' ' || subject_id || CASE WHEN cleared_at IS NULL THEN ' (open)' ELSE ' (cleared)' END, message
        FROM operator_alerts ORDER BY id
        """;

    private const string Prices = """
        SELECT s.name || ': ' || c.status,
               'upstream ' || coalesce(c.old_upstream_rate::text, '-') || ' -> ' || coalesce(c.new_upstream_rate::text, '-')
               || ', sale rate ' || coalesce(c.old_rate::text, '-') || ' -> ' || coalesce(c.new_rate::text, '-')
               || CASE WHEN c.status = 'held' THEN ' (decide_price_change(' || c.id || ', true) applies it)' ELSE '' END
        FROM price_changes c JOIN services s ON s.id = c.service_id ORDER BY c.id
        """;

    private const string AverageTimes = """
        SELECT s.name, st.orders_counted || ' orders: average ' || round(st.avg_seconds, 1) || ' s, p90 ' || round(st.p90_seconds, 1)
               || ' s, ' || round(st.avg_seconds_per_1000, 1) || ' s per 1000'
        FROM service_stats st JOIN services s ON s.id = st.service_id ORDER BY s.name
        """;

    public static async Task PrintAsync(NpgsqlDataSource db, IReadOnlyList<ProviderSimulator> simulators, DemoData.Seed seed, TimeSpan elapsed, bool settled)
    {
        Console.WriteLine(settled ? $"All orders settled in {elapsed.TotalSeconds:0.0} s." : "Not every order settled in time; the summary shows where they are.");
        await PrintSectionAsync(db, "Orders by status (drip-feed runs apart)", OrdersByStatus);
        await PrintSectionAsync(db, "Drip-feed the engine ran itself (its runs are orders of their own; the user sees the parent)", DripFeeds);
        await PrintSectionAsync(db, "Money", Money);
        await PrintSectionAsync(db, "Conflicts and requests", ConflictsAndRequests);
        await PrintSectionAsync(db, "Subscriptions (charged rate x max x posts; what was not served comes back)", Subscriptions, seed.Running, seed.EndingEarly);
        await PrintSectionAsync(db, "Routes and costs", RoutesAndCosts);
        await PrintRowsAsync(db, Failovers);
        await PrintSectionAsync(db, "Left in review for a person (release_order decides each)", Review);
        await PrintSectionAsync(db, "Operator alerts raised (operator_alerts)", Alerts);
        await PrintSectionAsync(db, "Price changes (services with a markup follow their upstream rate; a move above 20% waits for a person)", Prices);
        await PrintSectionAsync(db, "Average times users are shown (service_stats, from the latest finished orders)", AverageTimes);
        await PrintSectionAsync(db, "Placement to dispatch (accepted by the provider; held orders wait for the order ahead of them)", PlacementToDispatch);
        Console.WriteLine();
        PrintRequestsReceived(simulators);
    }

    private static async Task PrintSectionAsync(NpgsqlDataSource db, string title, string sql, params object[] args)
    {
        Console.WriteLine();
        Console.WriteLine(title);
        await PrintRowsAsync(db, sql, args);
    }

    private static void PrintRequestsReceived(IReadOnlyList<ProviderSimulator> simulators)
    {
        foreach (var (simulator, name) in simulators.Zip(["The simulated provider", "The backup provider", "The subscriptions provider"]))
        {
            Console.WriteLine($"{name} received {simulator.Record.Total} requests: " +
                string.Join(", ", simulator.Record.CountsByAction().OrderBy(kv => kv.Key).Select(kv => $"{kv.Key} {kv.Value}")) + ".");
        }
    }

    private static async Task PrintRowsAsync(NpgsqlDataSource db, string sql, params object[] args)
    {
        await using var command = db.CreateCommand(sql);
        foreach (var a in args)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = a });
        }

        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            Console.WriteLine($"  {reader.GetString(0),-40} {(reader.IsDBNull(1) ? "-" : reader.GetValue(1).ToString()),12}");
        }
    }
}
