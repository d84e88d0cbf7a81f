using Fulfillment.Engine.Jobs;
using Fulfillment.Simulator;
using Fulfillment.Tests.Infrastructure;

namespace Fulfillment.Tests.Lifecycle;

/// <summary>
/// The engine against the panel scripts providers run (the simulator's families, docs/providers.md): their shapes, words and
/// gaps end where the engine means them to, in the database.
/// </summary>
public sealed class PanelFamilyTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private static string Link() => $"https://instagram.com/p/{Guid.NewGuid():N}";

    [Fact]
    public async Task A_same_link_refusal_in_SmartPanels_status_error_shape_holds_the_order_and_never_reviews_it()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, s => s.Family = PanelFamily.SmartPanel);
        var (provider, service) = await engine.CreateProviderAndServiceAsync(upstreamService: 2);
        // Another panel service on the same upstream service: the engine's own same-link rule (scope Service) lets both go.
        var other = await engine.Panel.CreateServiceAsync(provider, 2m, 10, 10_000, providerServiceId: "2");
        var user = await engine.Panel.CreateUserAsync(deposit: 100m);
        var link = Link();
        var first = await engine.Panel.PlaceOrderAsync(user, other, link, 100);
        await engine.RunAsync(JobNames.DispatchOrders);
        Assert.Equal("in_progress", await engine.StatusAsync(first));

        var second = await engine.Panel.PlaceOrderAsync(user, service, link, 100);
        await engine.RunAsync(JobNames.DispatchOrders);

        Assert.Equal("held", await engine.StatusAsync(second));
        Assert.Contains("You have already an active order for this link", await engine.Panel.ScalarAsync<string>("SELECT error FROM orders WHERE id = $1", second),
            StringComparison.Ordinal);
        Assert.Equal("refused", await engine.Panel.ScalarAsync<string>("SELECT outcome FROM order_attempts WHERE order_id = $1", second));
        Assert.Equal(1, engine.Simulator.Orders.CreatedCount(link));
    }

    [Fact]
    public async Task An_html_error_page_reaches_last_error_and_the_orders_error_as_its_visible_text()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, s => s.Family = PanelFamily.SmartPanel);
        var (provider, service) = await engine.CreateProviderAndServiceAsync();
        // SmartPanel serves its API at /api/v1: a POST to /api/v2 meets its CSRF check, an HTML 403 page.
        await engine.Panel.ExecuteAsync("UPDATE providers SET api_url = replace(api_url, '/api/v1', '/api/v2') WHERE id = $1", provider);
        var user = await engine.Panel.CreateUserAsync(deposit: 100m);
        var order = await engine.Panel.PlaceOrderAsync(user, service, Link(), 100);

        await engine.RunAsync(JobNames.DispatchOrders);

        const string page = "HTTP 403: Error: An Error Was Encountered The action you have requested is not allowed.";
        Assert.Equal("pending", await engine.StatusAsync(order));
        var error = await engine.Panel.ScalarAsync<string>("SELECT error FROM orders WHERE id = $1", order);
        Assert.Contains(page, error, StringComparison.Ordinal);
        Assert.Equal("Add refused: " + page, await engine.Panel.ScalarAsync<string>("SELECT last_error FROM providers WHERE id = $1", provider));
        await engine.RunAsync(JobNames.CheckProviderBalances);
        var lastError = await engine.Panel.ScalarAsync<string>("SELECT last_error FROM providers WHERE id = $1", provider);
        Assert.StartsWith("Balance check failed: ", lastError, StringComparison.Ordinal);
        Assert.Contains(page, lastError, StringComparison.Ordinal);
        Assert.All(new[] { error, lastError }, text =>
        {
            Assert.DoesNotContain("<", text, StringComparison.Ordinal);
            Assert.DoesNotContain("::selection", text, StringComparison.Ordinal);
        });
    }

    [Theory]
    [InlineData(PanelFamily.SmartPanel)]
    [InlineData(PanelFamily.PanelScript)]
    public async Task Flags_a_service_list_does_not_give_are_stored_as_unknown_not_as_false(PanelFamily family)
    {
        await using var engine = await EngineHarness.StartAsync(fixture, s => s.Family = family);
        var (provider, _) = await engine.CreateProviderAndServiceAsync();

        await engine.RunAsync(JobNames.SyncProviderServices);

        Assert.Equal(8L, await engine.Panel.ScalarAsync<long>("SELECT count(*) FROM provider_services WHERE provider_id = $1", provider));
        // Neither family lists cancel; SmartPanel has no refill, the PHP script's 1/2 refill column is unknown to the client.
        Assert.Equal(0L, await engine.Panel.ScalarAsync<long>(
            "SELECT count(*) FROM provider_services WHERE provider_id = $1 AND (refill IS NOT NULL OR cancel IS NOT NULL)", provider));
        // SmartPanel says drip-feed "0"/"1"; the PHP script does not say.
        Assert.Equal(family == PanelFamily.SmartPanel ? 0L : 8L, await engine.Panel.ScalarAsync<long>(
            "SELECT count(*) FROM provider_services WHERE provider_id = $1 AND dripfeed IS NULL", provider));
        if (family == PanelFamily.SmartPanel)
        {
            Assert.True(await engine.Panel.ScalarAsync<bool>("SELECT dripfeed FROM provider_services WHERE provider_id = $1 AND service = '1'", provider));
        }
    }

    [Fact]
    public async Task The_php_panel_scripts_orders_are_tracked_one_status_call_each_since_it_has_no_multi_status()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, s => { s.Family = PanelFamily.PanelScript; s.SpeedFactor = 0.0001; });
        var (provider, service) = await engine.CreateProviderAndServiceAsync();
        var user = await engine.Panel.CreateUserAsync(deposit: 100m);
        var orders = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            orders.Add(await engine.Panel.PlaceOrderAsync(user, service, Link(), 100));
        }

        await engine.RunAsync(JobNames.DispatchOrders);
        Assert.Equal(3L, await engine.Panel.ScalarAsync<long>("SELECT count(*) FROM orders WHERE id = ANY($1) AND status = 'in_progress'", orders.ToArray()));
        await engine.Panel.ExecuteAsync("UPDATE orders SET provider_order_id = '99999999' WHERE id = $1", orders[2]);

        engine.Clock.Advance(TimeSpan.FromSeconds(20));
        await engine.RunAsync(JobNames.SyncOrderStatus);

        Assert.Equal(2L, await engine.Panel.ScalarAsync<long>(
            "SELECT count(*) FROM orders WHERE id = ANY($1) AND status = 'in_progress' AND provider_status = 'Pending' AND error IS NULL", orders[..2].ToArray()));
        Assert.Equal("Order not found.", await engine.Panel.ScalarAsync<string>("SELECT error FROM orders WHERE id = $1", orders[2]));
        Assert.Null(await engine.Panel.ScalarAsync<string?>("SELECT last_error FROM providers WHERE id = $1", provider));
        Assert.Null(await engine.Panel.ScalarAsync<DateTime?>("SELECT unreachable_since FROM providers WHERE id = $1", provider));
        Assert.Equal(1, MultiStatusCalls(engine));
        Assert.Equal(3, SingleStatusCalls(engine));

        // Known for what it is: the next pass asks one id a call, without trying multi-status first.
        engine.Clock.Advance(TimeSpan.FromMinutes(5));
        await engine.RunAsync(JobNames.SyncOrderStatus);
        Assert.Equal(2L, await engine.Panel.ScalarAsync<long>(
            "SELECT count(*) FROM orders WHERE id = ANY($1) AND status = 'in_progress' AND error IS NULL", orders[..2].ToArray()));
        Assert.Equal(1, MultiStatusCalls(engine));
        Assert.Equal(6, SingleStatusCalls(engine));
    }

    [Fact]
    public async Task An_order_the_provider_says_it_does_not_know_goes_to_review_after_three_answers_in_a_row_with_its_words()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, s => s.SpeedFactor = 0.0001);
        var (_, service) = await engine.CreateProviderAndServiceAsync();
        var user = await engine.Panel.CreateUserAsync(deposit: 100m);
        var order = await engine.Panel.PlaceOrderAsync(user, service, Link(), 100);
        await engine.RunAsync(JobNames.DispatchOrders);
        var known = await engine.Panel.ScalarAsync<string>("SELECT provider_order_id FROM orders WHERE id = $1", order);
        await engine.Panel.ExecuteAsync("UPDATE orders SET provider_order_id = '99999999' WHERE id = $1", order);

        async Task CheckAsync()
        {
            engine.Clock.Advance(TimeSpan.FromMinutes(1));
            await engine.RunAsync(JobNames.SyncOrderStatus);
        }

        // Two answers, then one the provider knows (a lagging replica, say): the count starts again.
        await CheckAsync();
        await CheckAsync();
        Assert.Equal("in_progress", await engine.StatusAsync(order));
        Assert.Equal("Incorrect order ID", await engine.Panel.ScalarAsync<string>("SELECT error FROM orders WHERE id = $1", order));
        await engine.Panel.ExecuteAsync("UPDATE orders SET provider_order_id = $2 WHERE id = $1", order, known);
        await CheckAsync();
        Assert.Equal("in_progress", await engine.StatusAsync(order));
        Assert.Null(await engine.Panel.ScalarAsync<string?>("SELECT error FROM orders WHERE id = $1", order));

        await engine.Panel.ExecuteAsync("UPDATE orders SET provider_order_id = '99999999' WHERE id = $1", order);
        await CheckAsync();
        await CheckAsync();
        Assert.Equal("in_progress", await engine.StatusAsync(order));
        await CheckAsync();

        Assert.Equal("review", await engine.StatusAsync(order));
        var review = await engine.Panel.ScalarAsync<string>("SELECT error FROM orders WHERE id = $1", order);
        Assert.Contains("Incorrect order ID", review, StringComparison.Ordinal);
        Assert.Contains("3 answers in a row", review, StringComparison.Ordinal);

        // A person tracks it again (release_order): the count starts afresh, one more such answer is not three.
        await engine.Panel.ExecuteAsync("SELECT release_order($1, 'retry')", order);
        await CheckAsync();
        Assert.Equal("in_progress", await engine.StatusAsync(order));
        Assert.Equal(1, await engine.Panel.ScalarAsync<int>("SELECT unknown_answers FROM orders WHERE id = $1", order));
    }

    private static int MultiStatusCalls(EngineHarness engine) =>
        engine.Simulator.Record.Requests("status").Count(r => r.Field("orders") is not null);

    private static int SingleStatusCalls(EngineHarness engine) =>
        engine.Simulator.Record.Requests("status").Count(r => r.Field("order") is not null);
}
