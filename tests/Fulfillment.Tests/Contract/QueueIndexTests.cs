using Fulfillment.Tests.Infrastructure;
using Fulfillment.Engine.Configuration;

namespace Fulfillment.Tests.Contract;

/// <summary>
/// The indexes the engine's queues, money guards and purges depend on exist with their predicates. EF merges
/// unnamed indexes over the same columns into one, which once dropped <c>ix_orders_pending</c> without a word.
/// </summary>
public sealed class QueueIndexTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
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

    [Theory]
    [InlineData("SELECT id FROM orders WHERE status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= now()) ORDER BY id LIMIT 1000",
        "ix_orders_open_status")]
    [InlineData("SELECT status, count(*) FROM orders WHERE status IN ('pending', 'held', 'dispatching', 'in_progress', 'review') AND status = ANY('{pending,review}') GROUP BY status",
        "ix_orders_open_status")]
    [InlineData("SELECT 1 FROM orders o WHERE o.user_id = 1 AND o.status NOT IN ('completed', 'partial', 'canceled', 'failed')", "ix_orders_open_user")]
    [InlineData("SELECT 1 FROM orders o WHERE o.user_id = 1 AND o.status IN ('pending', 'held')", "ix_orders_open_user")]
    [InlineData("SELECT 1 FROM ledger WHERE order_id = 1", "ix_ledger_order_id")]
    [InlineData("SELECT id FROM orders WHERE status = 'in_progress' AND next_check_at <= now() ORDER BY next_check_at LIMIT 2000",
        "ix_orders_tracking")]
    public async Task A_queue_claim_can_be_served_by_its_index(string query, string index)
    {
        await using var connection = await fixture.DataSource.OpenConnectionAsync();
        await using (var off = new Npgsql.NpgsqlCommand("SET enable_seqscan = off", connection))
        {
            await off.ExecuteNonQueryAsync();
        }

        await using var explain = new Npgsql.NpgsqlCommand("EXPLAIN " + query, connection);
        var plan = new List<string>();
        await using (var reader = await explain.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                plan.Add(reader.GetString(0));
            }
        }

        Assert.Contains(plan, line => line.Contains(index, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(Fulfillment.Engine.Configuration.ConflictScope.Any)]
    [InlineData(Fulfillment.Engine.Configuration.ConflictScope.Service)]
    [InlineData(Fulfillment.Engine.Configuration.ConflictScope.ProviderService)]
    [InlineData(Fulfillment.Engine.Configuration.ConflictScope.Provider)]
    public async Task The_same_link_lookup_reads_the_active_link_index_however_many_orders_came_before(Fulfillment.Engine.Configuration.ConflictScope scope)
    {
        var provider = await _panel.CreateProviderAsync();
        var service = await _panel.CreateServiceAsync(provider, rate: 1m);
        var user = await _panel.CreateUserAsync(deposit: 10m);
        // 20,000 orders in progress on other links, placed before the one being claimed: the lookup must not read them.
        await _panel.ExecuteAsync("""
            INSERT INTO orders (user_id, service_id, link, link_key, quantity, charge, status, provider_id, provider_order_id)
            SELECT $1, $2, 'https://x.com/old' || g, 'x.com/old' || g, 100, 0, 'in_progress', $3, g::text FROM generate_series(1, 20000) g
            """, user, service, provider);
        var claimed = await _panel.PlaceOrderAsync(user, service, "https://x.com/new", 100);
        await _panel.ExecuteAsync("ANALYZE orders");

        await using var connection = await fixture.DataSource.OpenConnectionAsync();
        await using var explain = new Npgsql.NpgsqlCommand(
            "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + Fulfillment.Engine.Dispatch.DispatchStore.BlockersSql(scope), connection);
        explain.Parameters.Add(new() { Value = new[] { claimed } });
        explain.Parameters.Add(new() { Value = new[] { "x.com/new" } });
        explain.Parameters.Add(new() { Value = new[] { service } });
        explain.Parameters.Add(new() { Value = new long?[] { provider } });
        explain.Parameters.Add(new() { Value = new[] { "1" } });
        var json = (string)(await explain.ExecuteScalarAsync())!;
        using var document = System.Text.Json.JsonDocument.Parse(json);
        var top = document.RootElement[0].GetProperty("Plan");
        var blocks = top.GetProperty("Shared Hit Blocks").GetInt64() + top.GetProperty("Shared Read Blocks").GetInt64();

        // Reading the 20,000 active orders takes hundreds of pages; an index lookup of one link, a handful.
        Assert.True(blocks < 100, $"the lookup read {blocks} pages:\n{json}");
    }
}
