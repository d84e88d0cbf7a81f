using Fulfillment.Tests.Infrastructure;

namespace Fulfillment.Tests.Contract;

/// <summary>
/// The indexes the engine's queues, money guards and purges depend on exist with their predicates (EF merges
/// unnamed indexes over the same columns into one, which once dropped <c>ix_orders_pending</c> without a word), and
/// the production queries use them: the engine's own SQL text (public constants) or function, run with EXPLAIN
/// ANALYZE on 200,000 orders of which 95% are finished, without disabling anything. Each counts the order rows its
/// scans read, and runs again with its index dropped (in a rolled-back transaction) to show the bound would catch it.
/// </summary>
public sealed class QueueIndexTests(QueueIndexTests.PlanFixture fixture) : IClassFixture<QueueIndexTests.PlanFixture>
{
    private readonly Panel _panel = new(fixture.DataSource);

    [Theory]
    [InlineData("ix_orders_open_status", "orders",
        "(status, id) WHERE (status = ANY (ARRAY['pending'::text, 'held'::text, 'dispatching'::text, 'in_progress'::text, 'review'::text]))")]
    [InlineData("ix_orders_open_user", "orders",
        "(user_id) WHERE (status <> ALL (ARRAY['completed'::text, 'partial'::text, 'canceled'::text, 'failed'::text]))")]
    [InlineData("ix_ledger_order_id", "ledger", "USING btree (order_id)")]
    [InlineData("ix_notifications_sent_at", "notifications", "(sent_at) WHERE (sent_at IS NOT NULL)")]
    [InlineData("ix_orders_tracking", "orders", "(next_check_at) WHERE (status = 'in_progress'::text)")]
    [InlineData("ix_orders_active_link", "orders", "(link_key) WHERE (status = ANY (ARRAY['pending'::text, 'held'::text, 'dispatching'::text, 'in_progress'::text]))")]
    [InlineData("ix_order_requests_open", "order_requests", "(id) WHERE (status = ANY (ARRAY['pending'::text, 'sent'::text]))")]
    [InlineData("ux_ledger_one_charge_per_order", "ledger", "(order_id) WHERE (kind = 'charge'::text)")]
    [InlineData("ux_ledger_one_refund_per_order", "ledger", "(order_id) WHERE (kind = 'refund'::text)")]
    [InlineData("ux_ledger_one_deposit_per_reference", "ledger", "(reference) WHERE (kind = 'deposit'::text)")]
    public async Task The_index_exists_with_its_predicate(string name, string table, string definitionEnd)
    {
        var definition = await _panel.ScalarAsync<string?>(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND indexname = $1 AND tablename = $2", name, table);

        Assert.NotNull(definition);
        Assert.EndsWith(definitionEnd, definition, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_dispatch_claim_reads_due_pending_orders_by_the_open_status_index_and_no_others()
    {
        // The production text (Fulfillment.Engine.Dispatch.Sql.ClaimOrders.Sql): due pending orders, a batch of 200, with its joins and row locks.
        var (with, without) = await CompareAsync("ix_orders_open_status", Fulfillment.Engine.Dispatch.Sql.ClaimOrders.Sql,
            DateTimeOffset.UtcNow, 200, DBNull.Value);

        // 200 claimed, about as many pending ones skipped as not yet due, the claimed rows read again for the joins:
        // a few times the batch (1% of the table), where a scan in id order reads the 190,000 finished orders too.
        const int bound = 10 * 200;
        Assert.Equal(200, with.Rows);
        Assert.Contains("ix_orders_open_status", with.Indexes);
        Assert.True(with.OrderRowsRead < bound, $"the claim read {with.OrderRowsRead} order rows:\n{with.Json}");
        Assert.True(without.OrderRowsRead > bound, $"without its index the claim read only {without.OrderRowsRead} order rows: this test could not fail");
    }

    [Fact]
    public async Task The_tracking_claim_reads_due_in_progress_orders_by_the_tracking_index_and_no_others()
    {
        // The production text (TrackingStore.ClaimDueSql): due in-progress orders, a batch of 2000, leased (an UPDATE, rolled back).
        var now = DateTimeOffset.UtcNow;
        var due = await new Panel(fixture.DataSource).ScalarAsync<long>("SELECT count(*) FROM orders WHERE status = 'in_progress' AND next_check_at <= $1", now);
        var (with, without) = await CompareAsync("ix_orders_tracking", Fulfillment.Engine.Tracking.TrackingStore.ClaimDueSql,
            now, 2000, now + TimeSpan.FromMinutes(2), "smm_v2");

        // The due orders, then each again by its key for the lease: a few times the due ones, not every open order.
        var bound = (5 * due) + 10;
        Assert.True(due > 100, $"only {due} orders due");
        Assert.Equal(due, with.Rows);
        Assert.Contains("ix_orders_tracking", with.Indexes);
        Assert.True(with.OrderRowsRead < bound, $"the claim read {with.OrderRowsRead} order rows for {due} due:\n{with.Json}");
        Assert.True(without.OrderRowsRead > bound, $"without its index the claim read only {without.OrderRowsRead} order rows: this test could not fail");
    }

    [Fact]
    public async Task The_heartbeats_queue_depths_read_open_orders_only()
    {
        // The production text (HeartbeatStore.QueueDepthsSql), for every open status: the open orders, never the finished 95%.
        // Two partial indexes hold exactly the open orders (ix_orders_open_status, ix_orders_open_user); either serves.
        var open = await new Panel(fixture.DataSource).ScalarAsync<long>(
            "SELECT count(*) FROM orders WHERE status NOT IN ('completed', 'partial', 'canceled', 'failed')");
        var plan = await ExplainAsync(Fulfillment.Engine.Heartbeat.HeartbeatStore.QueueDepthsSql, null,
            [new[] { "pending", "held", "dispatching", "in_progress", "review" }]);
        var without = await ExplainAsync(Fulfillment.Engine.Heartbeat.HeartbeatStore.QueueDepthsSql, "ix_orders_open_status, ix_orders_open_user",
            [new[] { "pending", "held", "dispatching", "in_progress", "review" }]);

        Assert.Contains(plan.Indexes, i => i is "ix_orders_open_status" or "ix_orders_open_user");
        Assert.True(plan.OrderRowsRead <= open + 10, $"the count read {plan.OrderRowsRead} order rows, {open} are open:\n{plan.Json}");
        Assert.True(without.OrderRowsRead > open + 10, $"without either index the count read only {without.OrderRowsRead} order rows: this test could not fail");
    }

    [Fact]
    public async Task The_blocked_accounts_lookup_reads_only_the_open_orders_of_blocked_users()
    {
        // The production text (BlockedAccounts.FindSql): a few blocked users among thousands, each with about a hundred orders.
        var (with, without) = await CompareAsync("ix_orders_open_user", Fulfillment.Engine.Blocking.BlockedAccounts.FindSql);

        // Without the index the planner reads each blocked user's orders by ix_orders_user_id, or combines that index with
        // ix_orders_open_status (BitmapAnd), fetching few rows but visiting thousands of entries: which one turns on the
        // tables' physical state (dead entries other tests' rolled-back updates left), so the rows visited are counted.
        const int bound = PlanFixture.BlockedUsers * 20;
        Assert.Equal(PlanFixture.BlockedUsers, with.Rows);
        Assert.Contains("ix_orders_open_user", with.Indexes);
        Assert.True(with.OrderRowsVisited < bound, $"the lookup visited {with.OrderRowsVisited} order rows:\n{with.Json}");
        Assert.True(without.OrderRowsVisited > bound, $"without its index the lookup visited only {without.OrderRowsVisited} order rows: this test could not fail");
    }

    [Fact]
    public async Task Finishing_a_batch_looks_up_each_charge_by_index()
    {
        // The production function (fulfillment_finish_orders), its statements' plans sent back by auto_explain; the orders
        // it finishes placed in the same transaction, rolled back, so the tables the other tests read stay as they were.
        await using var connection = await fixture.DataSource.OpenConnectionAsync();
        var plans = new List<string>();
        connection.Notice += (_, e) => plans.Add(e.Notice.MessageText);
        await using var transaction = await connection.BeginTransactionAsync();
        var orders = await fixture.PlaceFinishableAsync(50, connection, transaction);
        foreach (var set in new[]
                 {
                     "LOAD 'auto_explain'", "SET LOCAL auto_explain.log_min_duration = 0", "SET LOCAL auto_explain.log_nested_statements = on",
                     "SET LOCAL auto_explain.log_level = notice", "SET LOCAL auto_explain.log_analyze = on", "SET LOCAL auto_explain.log_buffers = on",
                 })
        {
            await using var command = new Npgsql.NpgsqlCommand(set, connection, transaction);
            await command.ExecuteNonQueryAsync();
        }

        await using (var finish = new Npgsql.NpgsqlCommand(
            "SELECT count(*) FROM fulfillment_finish_orders($1, array_fill('canceled'::text, ARRAY[cardinality($1)]), NULL, NULL, now())", connection, transaction))
        {
            finish.Parameters.Add(new() { Value = orders });
            Assert.Equal((long)orders.Length, (long)(await finish.ExecuteScalarAsync())!);
        }

        await transaction.RollbackAsync();
        var all = string.Join("\n", plans);
        Assert.Contains("fulfillment_finish_orders", all, StringComparison.Ordinal);
        Assert.DoesNotContain("Seq Scan on ledger", all, StringComparison.Ordinal);
        Assert.Matches("Index (Only )?Scan using (ix_ledger_order_id|ux_ledger_one_charge_per_order) on ledger", all);
    }

    /// <param name="OrderRowsRead">Rows of <c>orders</c> the plan's scans read: returned or thrown away by a filter, every loop.</param>
    /// <param name="OrderRowsVisited">
    /// The same, but a bitmap heap scan counts at least the rows whose entries one of its indexes returned: when it combines
    /// indexes (BitmapAnd) it fetches few rows, yet the largest of them visited that many.
    /// </param>
    private sealed record Plan(string Json, long Rows, long OrderRowsRead, long OrderRowsVisited, IReadOnlyList<string> Indexes);

    /// <summary>The query's plan as it runs (EXPLAIN ANALYZE, rolled back), and again with <paramref name="index"/> dropped (rolled back too).</summary>
    private async Task<(Plan With, Plan Without)> CompareAsync(string index, string sql, params object[] args)
    {
        var with = await ExplainAsync(sql, null, args);
        var without = await ExplainAsync(sql, index, args);
        Console.WriteLine($"{index}: {with.OrderRowsRead} order rows read ({with.OrderRowsVisited} visited) with it ({string.Join(", ", with.Indexes)}), " +
            $"{without.OrderRowsRead} ({without.OrderRowsVisited} visited) without ({string.Join(", ", without.Indexes)})");
        return (with, without);
    }

    private async Task<Plan> ExplainAsync(string sql, string? dropIndex, object[] args)
    {
        await using var connection = await fixture.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        if (dropIndex is not null)
        {
            await using var drop = new Npgsql.NpgsqlCommand($"DROP INDEX {dropIndex}", connection, transaction);
            await drop.ExecuteNonQueryAsync();
        }

        await using var explain = new Npgsql.NpgsqlCommand("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, connection, transaction);
        foreach (var arg in args)
        {
            explain.Parameters.Add(new() { Value = arg });
        }

        var json = (string)(await explain.ExecuteScalarAsync())!;
        await transaction.RollbackAsync();
        using var document = System.Text.Json.JsonDocument.Parse(json);
        var top = document.RootElement[0].GetProperty("Plan");
        var indexes = new List<string>();
        var (read, visited) = (0L, 0L);
        Walk(top);
        return new Plan(json, top.GetProperty("Actual Rows").GetInt64(), read, visited, indexes);

        void Walk(System.Text.Json.JsonElement node)
        {
            if (node.TryGetProperty("Index Name", out var name))
            {
                indexes.Add(name.GetString()!);
            }

            // Nodes that visit the table's rows (a bitmap index scan only collects their addresses for its heap scan).
            if (node.TryGetProperty("Relation Name", out var relation) && relation.GetString() == "orders"
                && node.GetProperty("Node Type").GetString() is "Seq Scan" or "Index Scan" or "Index Only Scan" or "Bitmap Heap Scan")
            {
                var rows = (Count(node, "Actual Rows") + Count(node, "Rows Removed by Filter") + Count(node, "Rows Removed by Index Recheck")) * Loops(node);
                read += rows;
                visited += node.GetProperty("Node Type").GetString() == "Bitmap Heap Scan" ? Math.Max(rows, LargestBitmapIndexScan(node)) : rows;
            }

            if (node.TryGetProperty("Plans", out var children))
            {
                foreach (var child in children.EnumerateArray())
                {
                    Walk(child);
                }
            }
        }
    }

    private static long Count(System.Text.Json.JsonElement node, string property) => node.TryGetProperty(property, out var v) ? (long)v.GetDouble() : 0;

    private static long Loops(System.Text.Json.JsonElement node) => Math.Max(1, Count(node, "Actual Loops"));

    /// <summary>The most index entries one bitmap index scan under a bitmap heap scan returned, every loop: rows of the table each.</summary>
    private static long LargestBitmapIndexScan(System.Text.Json.JsonElement node)
    {
        var entries = node.GetProperty("Node Type").GetString() == "Bitmap Index Scan" ? Count(node, "Actual Rows") * Loops(node) : 0;
        if (node.TryGetProperty("Plans", out var children))
        {
            foreach (var child in children.EnumerateArray())
            {
                entries = Math.Max(entries, LargestBitmapIndexScan(child));
            }
        }

        return entries;
    }

    /// <summary>A database with 200,000 orders (95% finished), 2,000 users of whom a few are blocked, and deposits in the ledger.</summary>
    public sealed class PlanFixture : DatabaseFixture
    {
        public const int BlockedUsers = 3;

        private long _service;

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            var panel = new Panel(DataSource);
            var provider = await panel.CreateProviderAsync("plan");
            _service = await panel.CreateServiceAsync(provider, rate: 1m, cancel: true);
            await panel.ExecuteAsync("INSERT INTO users (username, email) SELECT 'plan' || g, 'plan@example.com' FROM generate_series(1, 2000) g");
            await panel.ExecuteAsync("""
                INSERT INTO orders (user_id, service_id, link, link_key, quantity, charge, status, provider_id, provider_order_id,
                                    next_check_at, next_attempt_at, created_at, updated_at, finished_at)
                SELECT u.first + g % 2000, $1, 'https://x.com/plan' || g, 'x.com/plan' || g, 100, 0, s.status, $2, g::text,
                       CASE WHEN s.status = 'in_progress' THEN now() + ((g % 60) - 5) * interval '1 minute' END,
                       CASE WHEN s.status = 'pending' AND g % 2 = 0 THEN now() + interval '1 hour' END,
                       now() - interval '1 day', now() - interval '1 day', CASE WHEN s.status = 'completed' THEN now() - interval '1 hour' END
                FROM generate_series(1, 200000) g
                CROSS JOIN (SELECT min(id) AS first FROM users WHERE username LIKE 'plan%') u
                CROSS JOIN LATERAL (SELECT CASE WHEN g <= 190000 THEN 'completed' WHEN g <= 194000 THEN 'pending' WHEN g <= 198000 THEN 'in_progress'
                                               WHEN g <= 199000 THEN 'held' ELSE 'review' END AS status) s
                """, _service, provider);
            await panel.ExecuteAsync("""
                UPDATE users SET status = 'blocked', blocked_reason = 'plan', block_handled_at = now()
                WHERE id IN (SELECT id FROM users WHERE username LIKE 'plan%' ORDER BY id LIMIT 3)
                """);
            await panel.ExecuteAsync("SELECT deposit(u.id, 100, 'plan-' || u.id || '-' || g) FROM users u CROSS JOIN generate_series(1, 10) g WHERE u.status = 'active'");

            // The tables as autovacuum leaves them, and the same every run: vacuumed (the visibility map set) and analysed
            // from a sample as large as the table. Otherwise the plans these tests compare depend on whether autovacuum
            // came by before a test ran, and on which rows a sample drew: a plan chosen without an index flipped with them.
            await using var connection = await DataSource.OpenConnectionAsync();
            foreach (var sql in new[] { "SET default_statistics_target = 1000", "VACUUM ANALYZE" })
            {
                await using var command = new Npgsql.NpgsqlCommand(sql, connection);
                await command.ExecuteNonQueryAsync();
            }
        }

        /// <summary>
        /// Orders of a new user placed through place_order (so they have charges) and moved to in_progress, ready to be
        /// finished, in <paramref name="transaction"/>.
        /// </summary>
        public async Task<long[]> PlaceFinishableAsync(int count, Npgsql.NpgsqlConnection connection, Npgsql.NpgsqlTransaction transaction)
        {
            var tag = Guid.NewGuid().ToString("N");
            var user = await ScalarAsync<long>("INSERT INTO users (username, email) VALUES ($1, 'finish@example.com') RETURNING id", "finish-" + tag);
            await ScalarAsync<long>("SELECT deposit($1, 1000, $2)", user, "finish-" + tag);
            var ids = await ScalarAsync<long[]>(
                "SELECT array_agg(place_order($1, $2, 'https://x.com/finish' || $3 || '-' || g, 100) ORDER BY g) FROM generate_series(1, $4) g",
                user, _service, tag, count);
            await ScalarAsync<int>("WITH moved AS (UPDATE orders SET status = 'in_progress' WHERE id = ANY($1) RETURNING 1) SELECT count(*)::int FROM moved", ids);
            return ids;

            async Task<T> ScalarAsync<T>(string sql, params object[] args)
            {
                await using var command = new Npgsql.NpgsqlCommand(sql, connection, transaction);
                foreach (var arg in args)
                {
                    command.Parameters.Add(new() { Value = arg });
                }

                return (T)(await command.ExecuteScalarAsync())!;
            }
        }
    }
}
