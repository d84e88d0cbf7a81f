using Fulfillment.Engine.Jobs;
using Fulfillment.Simulator;
using Fulfillment.Tests.Infrastructure;

namespace Fulfillment.Tests.Lifecycle;

/// <summary>
/// What a provider-wide problem does to the provider row and to sending: a redirect pauses sending until a call to the
/// provider succeeds, and a refused key stays in last_error (and auth_failed_at) until one does, whatever adds say meanwhile.
/// </summary>
public sealed class ProviderPauseTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private static string Link() => $"https://instagram.com/p/{Guid.NewGuid():N}";

    private static Task<string?> LastErrorAsync(EngineHarness engine, long provider) =>
        engine.Panel.ScalarAsync<string?>("SELECT last_error FROM providers WHERE id = $1", provider);

    private static Task<DateTime?> ColumnAsync(EngineHarness engine, long provider, string column) =>
        engine.Panel.ScalarAsync<DateTime?>($"SELECT {column} FROM providers WHERE id = $1", provider);

    [Fact]
    public async Task A_redirected_add_pauses_sending_to_its_provider_so_the_next_order_waits_until_a_call_to_it_succeeds()
    {
        await using var engine = await EngineHarness.StartAsync(fixture);
        await using var target = await ProviderSimulator.StartAsync(new SimulatorSettings { ApiKey = $"t-{Guid.NewGuid():N}" }, engine.Clock);
        var (provider, service) = await engine.CreateProviderAndServiceAsync();
        var user = await engine.Panel.CreateUserAsync(deposit: 100m);
        engine.Simulator.Settings.RedirectTo = target.ApiUrl.ToString();

        var first = await engine.Panel.PlaceOrderAsync(user, service, Link(), 100);
        await engine.RunAsync(JobNames.DispatchOrders);
        Assert.Equal("review", await engine.StatusAsync(first));
        Assert.Equal("unknown", await engine.Panel.ScalarAsync<string>("SELECT outcome FROM order_attempts WHERE order_id = $1", first));
        Assert.StartsWith($"Add not accepted: HTTP 302 redirect to {target.ApiUrl}", await LastErrorAsync(engine, provider), StringComparison.Ordinal);
        Assert.NotNull(await ColumnAsync(engine, provider, "redirected_at"));

        // The next order is not sent into the redirect: it waits, with no attempt, naming the redirect.
        var adds = engine.Simulator.Record.Count("add");
        var second = await engine.Panel.PlaceOrderAsync(user, service, Link(), 100);
        await engine.RunAsync(JobNames.DispatchOrders);
        Assert.Equal("pending", await engine.StatusAsync(second));
        Assert.Equal(0L, await engine.Panel.ScalarAsync<long>("SELECT count(*) FROM order_attempts WHERE order_id = $1", second));
        Assert.Equal(adds, engine.Simulator.Record.Count("add"));
        var waiting = await engine.Panel.ScalarAsync<string>("SELECT error FROM orders WHERE id = $1", second);
        Assert.Contains("redirect", waiting, StringComparison.Ordinal);
        Assert.Contains($"HTTP 302 redirect to {target.ApiUrl}", waiting, StringComparison.Ordinal);

        // The redirect is fixed, but nothing has proved it yet: still waiting.
        engine.Simulator.Settings.RedirectTo = null;
        engine.Clock.Advance(TimeSpan.FromMinutes(2));
        await engine.RunAsync(JobNames.DispatchOrders);
        Assert.Equal("pending", await engine.StatusAsync(second));
        Assert.Equal(adds, engine.Simulator.Record.Count("add"));

        // A call that succeeds lifts the pause; the order goes out on the next pass.
        await engine.RunAsync(JobNames.CheckProviderBalances);
        Assert.Null(await ColumnAsync(engine, provider, "redirected_at"));
        Assert.Null(await LastErrorAsync(engine, provider));
        engine.Clock.Advance(TimeSpan.FromMinutes(2));
        await engine.RunAsync(JobNames.DispatchOrders);
        Assert.Equal("in_progress", await engine.StatusAsync(second));
        Assert.Equal("review", await engine.StatusAsync(first));
        Assert.Equal(0L, target.Record.Total);
    }

    [Fact]
    public async Task Orders_of_a_service_with_another_route_go_there_while_their_provider_is_paused_by_a_redirect()
    {
        await using var engine = await EngineHarness.StartAsync(fixture);
        await using var b = await ProviderSimulator.StartAsync(new SimulatorSettings { ApiKey = "b-key", Seed = 7 }, engine.Clock);
        var (a, service) = await engine.CreateProviderAndServiceAsync(providerName: $"a_{Guid.NewGuid():N}");
        var bId = await engine.Panel.CreateProviderAsync($"b_{Guid.NewGuid():N}", b.ApiUrl.ToString(), "b-key");
        await engine.Panel.ExecuteAsync("INSERT INTO service_routes (service_id, position, provider_id, provider_service_id) VALUES ($1, 1, $2, '1')", service, bId);
        var user = await engine.Panel.CreateUserAsync(deposit: 100m);
        engine.Simulator.Settings.RedirectTo = "https://moved.example/api/v2";
        var first = await engine.Panel.PlaceOrderAsync(user, service, Link(), 100);
        await engine.RunAsync(JobNames.DispatchOrders);
        Assert.Equal("review", await engine.StatusAsync(first));

        var second = await engine.Panel.PlaceOrderAsync(user, service, Link(), 100);
        await engine.RunAsync(JobNames.DispatchOrders);

        Assert.Equal("in_progress", await engine.StatusAsync(second));
        Assert.Equal(bId, await engine.Panel.ScalarAsync<long>("SELECT provider_id FROM orders WHERE id = $1", second));
        Assert.Contains("redirect", await engine.Panel.ScalarAsync<string>(
            "SELECT detail->>'reason' FROM order_events WHERE order_id = $1 AND kind = 'rerouted'", second), StringComparison.Ordinal);
        Assert.Equal(1L, engine.Simulator.Record.Count("add"));
        Assert.NotNull(await ColumnAsync(engine, a, "redirected_at"));
    }

    [Fact]
    public async Task A_refused_key_stays_in_last_error_across_adds_and_balance_checks_without_flapping_until_a_call_succeeds()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, s => s.Family = PanelFamily.PanelScript);
        var (provider, service) = await engine.CreateProviderAndServiceAsync();
        await engine.Panel.ExecuteAsync("UPDATE providers SET api_key = 'revoked-key' WHERE id = $1", provider);
        var user = await engine.Panel.CreateUserAsync(deposit: 100m);
        var order = await engine.Panel.PlaceOrderAsync(user, service, Link(), 100);

        await engine.RunAsync(JobNames.DispatchOrders);
        Assert.Equal("pending", await engine.StatusAsync(order));
        Assert.Equal("Add refused: API key invalid", await LastErrorAsync(engine, provider));
        var since = await ColumnAsync(engine, provider, "unreachable_since");
        var authFailed = await ColumnAsync(engine, provider, "auth_failed_at");
        Assert.NotNull(since);
        Assert.NotNull(authFailed);

        engine.Clock.Advance(TimeSpan.FromMinutes(1));
        await engine.RunAsync(JobNames.CheckProviderBalances);
        Assert.Contains("API key invalid", await LastErrorAsync(engine, provider), StringComparison.Ordinal);
        engine.Clock.Advance(TimeSpan.FromHours(1));
        await engine.RunAsync(JobNames.DispatchOrders);
        Assert.True(engine.Simulator.Record.Count("add") >= 2);
        Assert.Equal("Add refused: API key invalid", await LastErrorAsync(engine, provider));
        await engine.RunAsync(JobNames.SyncProviderServices);
        Assert.Contains("API key invalid", await LastErrorAsync(engine, provider), StringComparison.Ordinal);
        Assert.Equal(since, await ColumnAsync(engine, provider, "unreachable_since"));
        Assert.Equal(authFailed, await ColumnAsync(engine, provider, "auth_failed_at"));

        // The key fixed, a call that succeeds clears it all.
        await engine.Panel.ExecuteAsync("UPDATE providers SET api_key = $2 WHERE id = $1", provider, engine.ApiKey);
        await engine.RunAsync(JobNames.CheckProviderBalances);
        Assert.Null(await LastErrorAsync(engine, provider));
        Assert.Null(await ColumnAsync(engine, provider, "unreachable_since"));
        Assert.Null(await ColumnAsync(engine, provider, "auth_failed_at"));
    }

    [Fact]
    public async Task An_add_refused_for_another_reason_does_not_clear_a_refused_key()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, s => s.Family = PanelFamily.SmartPanel);
        var (provider, service) = await engine.CreateProviderAndServiceAsync(upstreamService: 2);
        await engine.Panel.ExecuteAsync("UPDATE providers SET api_key = 'revoked-key' WHERE id = $1", provider);
        await engine.RunAsync(JobNames.CheckProviderBalances);
        var words = "API is Disable for this user or User Not Found! Contact the Support";
        Assert.Contains(words, await LastErrorAsync(engine, provider), StringComparison.Ordinal);

        // Meanwhile the provider withdrew the service: the add is refused for that, which says nothing about the key.
        await engine.Panel.ExecuteAsync("UPDATE providers SET api_key = $2 WHERE id = $1", provider, engine.ApiKey);
        engine.Simulator.DisableService(2);
        var user = await engine.Panel.CreateUserAsync(deposit: 100m);
        var order = await engine.Panel.PlaceOrderAsync(user, service, Link(), 100);
        await engine.RunAsync(JobNames.DispatchOrders);

        Assert.Equal("failed", await engine.StatusAsync(order));
        Assert.Contains(words, await LastErrorAsync(engine, provider), StringComparison.Ordinal);
        Assert.NotNull(await ColumnAsync(engine, provider, "auth_failed_at"));
        Assert.NotNull(await ColumnAsync(engine, provider, "unreachable_since"));
    }
}
