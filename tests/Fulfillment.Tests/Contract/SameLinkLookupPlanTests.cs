using Fulfillment.Engine.Configuration;
using Fulfillment.Tests.Infrastructure;

namespace Fulfillment.Tests.Contract;

/// <summary>
/// The same-link lookup (<see cref="Fulfillment.Engine.Dispatch.Sql.FindBlockers"/>) on a database of its own, whose
/// statistics were taken while a service had a few orders and which then got many more: what a popular new service does
/// between two autovacuum analyses.
/// </summary>
public sealed class SameLinkLookupPlanTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private readonly Panel _panel = new(fixture.DataSource);

    [Fact]
    public async Task The_same_link_lookup_uses_the_link_index_alone_when_a_services_orders_outgrew_its_statistics()
    {
        var provider = await _panel.CreateProviderAsync();
        var service = await _panel.CreateServiceAsync(provider, rate: 1m);
        var user = await _panel.CreateUserAsync(deposit: 10m);
        const string Insert = """
            INSERT INTO orders (user_id, service_id, link, link_key, quantity, charge, status, provider_id, provider_order_id)
            SELECT $1, $2, 'https://x.com/' || $4 || (g / $5), 'x.com/' || $4 || (g / $5), 100, 0, 'in_progress', $3, g::text FROM generate_series(1, $6) g
            """;
        // Statistics taken while the service had 150 orders, three to a link; then 20,000 more. Told the service has a few
        // orders and a link a few, the planner combined ix_orders_service_id with the link index (BitmapAnd): every probe
        // read all of the service's orders, 1.2-2.4 s a claim of 1,000 (docs/scaling.md).
        await _panel.ExecuteAsync(Insert, user, service, provider, "early", 3, 150);
        await _panel.ExecuteAsync("ANALYZE orders");
        await _panel.ExecuteAsync(Insert, user, service, provider, "grown", 1, 20000);
        var claimed = new long[1000];
        await _panel.ExecuteAsync(Insert, user, service, provider, "fresh", 1, claimed.Length);
        var ids = await _panel.ScalarAsync<long[]>("SELECT array_agg(id ORDER BY id) FROM orders WHERE link LIKE 'https://x.com/fresh%'");

        await using var connection = await fixture.DataSource.OpenConnectionAsync();
        await using var explain = new Npgsql.NpgsqlCommand(
            "EXPLAIN (FORMAT JSON) " + Fulfillment.Engine.Dispatch.Sql.FindBlockers.Sql(ConflictScope.Service), connection);
        explain.Parameters.Add(new() { Value = ids });
        explain.Parameters.Add(new() { Value = ids.Select((_, i) => $"x.com/fresh{i + 1}").ToArray() });
        explain.Parameters.Add(new() { Value = ids.Select(_ => service).ToArray() });
        explain.Parameters.Add(new() { Value = ids.Select(_ => (long?)provider).ToArray() });
        explain.Parameters.Add(new() { Value = ids.Select(_ => "1").ToArray() });
        var json = (string)(await explain.ExecuteScalarAsync())!;
        using var document = System.Text.Json.JsonDocument.Parse(json);
        var indexes = new HashSet<string>();
        var ordersConditions = new List<string>();
        void Walk(System.Text.Json.JsonElement node)
        {
            if (node.TryGetProperty("Index Name", out var index) && index.GetString() is { } name && name.StartsWith("ix_orders", StringComparison.Ordinal))
            {
                indexes.Add(name);
            }

            if (node.TryGetProperty("Relation Name", out var relation) && relation.GetString() == "orders")
            {
                ordersConditions.AddRange(new[] { "Index Cond", "Recheck Cond", "Filter" }
                    .Where(c => node.TryGetProperty(c, out _)).Select(c => node.GetProperty(c).GetString()!));
            }

            if (node.TryGetProperty("Plans", out var children))
            {
                foreach (var child in children.EnumerateArray())
                {
                    Walk(child);
                }
            }
        }

        Walk(document.RootElement[0].GetProperty("Plan"));
        Assert.True(indexes.SetEquals(["ix_orders_active_link"]), $"the lookup used {string.Join(", ", indexes)}:\n{json}");
        // The scan of orders is chosen by the link and the state alone: the scope's condition (here the service) is applied to
        // the few rows of that link, so no estimate of a service's orders can bring in another index.
        Assert.DoesNotContain(ordersConditions, c => c.Contains("service_id", StringComparison.Ordinal));
    }
}

/// <summary>
/// The same-link lookup (<see cref="Fulfillment.Engine.Dispatch.Sql.FindBlockers.Sql"/>) in every conflict scope, on a
/// database of its own: each case adds 20,000 orders in progress and analyses them, which would change the plans the tests
/// sharing a database compare.
/// </summary>
public sealed class ActiveLinkLookupPlanTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private readonly Panel _panel = new(fixture.DataSource);

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
            "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + Fulfillment.Engine.Dispatch.Sql.FindBlockers.Sql(scope), connection);
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
