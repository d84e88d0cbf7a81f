using Fulfillment.Engine.Jobs;
using Fulfillment.Simulator;
using Fulfillment.Tests.Infrastructure;

namespace Fulfillment.Tests.Lifecycle;

/// <summary>
/// Providers that answer with control characters, unusable ids or redirects, next to well-behaved ones in the same
/// batch: the bad answer fails alone, cleaned or put aside, and never stalls the others.
/// </summary>
public sealed class HostileProviderTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private static string Link() => $"https://instagram.com/p/{Guid.NewGuid():N}";

    /// <summary>A key of its own for each simulator.</summary>
    private static string Key() => $"hostile-{Guid.NewGuid():N}";

    /// <summary>A provider row (and a mapped service) at another simulator than the harness's own.</summary>
    private static async Task<(long Provider, long Service)> ServiceAtAsync(EngineHarness engine, ProviderSimulator simulator, string name)
    {
        var provider = await engine.Panel.CreateProviderAsync($"{name}_{Guid.NewGuid():N}", simulator.ApiUrl.ToString(), simulator.Settings.ApiKey);
        return (provider, await engine.Panel.CreateServiceAsync(provider, 2m, 10, 10_000));
    }

    [Fact]
    public async Task Add_answers_with_an_unusable_id_or_control_characters_fail_alone_and_every_other_order_in_the_batch_is_recorded()
    {
        await using var engine = await EngineHarness.StartAsync(fixture);
        var (_, good) = await engine.CreateProviderAndServiceAsync();
        await using var unusable = await ProviderSimulator.StartAsync(
            new SimulatorSettings { ApiKey = Key(), UnusableIdRate = 1, UnusableIdKind = UnusableIdKind.Nul }, engine.Clock);
        await using var dirty = await ProviderSimulator.StartAsync(
            new SimulatorSettings { ApiKey = Key(), ControlCharactersRate = 1, Balance = 0m }, engine.Clock);
        var (_, unusableService) = await ServiceAtAsync(engine, unusable, "unusable");
        var (_, dirtyService) = await ServiceAtAsync(engine, dirty, "dirty");
        var user = await engine.Panel.CreateUserAsync(deposit: 100m);
        var goods = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            goods.Add(await engine.Panel.PlaceOrderAsync(user, good, Link(), 100));
        }

        var unusableLink = Link();
        var atUnusable = await engine.Panel.PlaceOrderAsync(user, unusableService, unusableLink, 100);
        var atDirty = await engine.Panel.PlaceOrderAsync(user, dirtyService, Link(), 100);
        goods.Add(await engine.Panel.PlaceOrderAsync(user, good, Link(), 100));

        await engine.RunAsync(JobNames.DispatchOrders);

        Assert.Equal(0L, await engine.Panel.ScalarAsync<long>("SELECT count(*) FROM orders WHERE user_id = $1 AND status = 'dispatching'", user));
        Assert.Equal(goods.Count, await engine.Panel.ScalarAsync<long>("SELECT count(*) FROM orders WHERE id = ANY($1) AND status = 'in_progress'", goods.ToArray()));

        Assert.Equal("review", await engine.StatusAsync(atUnusable));
        var review = await engine.Panel.ScalarAsync<string>("SELECT error FROM orders WHERE id = $1", atUnusable);
        Assert.Contains("cannot be used (it contains a control character)", review, StringComparison.Ordinal);
        Assert.Contains("never retry", review, StringComparison.Ordinal);
        Assert.DoesNotContain("'retry')", review, StringComparison.Ordinal);
        Assert.Null(await engine.Panel.ScalarAsync<string?>("SELECT provider_order_id FROM orders WHERE id = $1", atUnusable));
        Assert.Equal(1, unusable.Orders.Count);

        Assert.Equal("pending", await engine.StatusAsync(atDirty));
        Assert.Contains("Not enough funds on balance[31m\uFFFD", await engine.Panel.ScalarAsync<string>("SELECT error FROM orders WHERE id = $1", atDirty),
            StringComparison.Ordinal);

        // The order the provider runs under an unusable id is never sent again, whatever happens next.
        engine.Clock.Advance(TimeSpan.FromHours(2));
        await engine.RunAsync(JobNames.DispatchOrders);
        Assert.Equal(1, unusable.Record.AddCount(unusableLink));
        Assert.Equal("review", await engine.StatusAsync(atUnusable));
    }

    [Fact]
    public async Task Status_answers_with_control_characters_are_recorded_cleaned_and_do_not_stall_the_others()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, s => s.SpeedFactor = 0.0001);
        var (_, good) = await engine.CreateProviderAndServiceAsync();
        await using var hostile = await ProviderSimulator.StartAsync(new SimulatorSettings { ApiKey = Key(), SpeedFactor = 0.0001 }, engine.Clock);
        var (_, hostileService) = await ServiceAtAsync(engine, hostile, "hostile");
        var user = await engine.Panel.CreateUserAsync(deposit: 100m);
        var orders = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            orders.Add(await engine.Panel.PlaceOrderAsync(user, good, Link(), 100));
            orders.Add(await engine.Panel.PlaceOrderAsync(user, hostileService, Link(), 100));
        }

        var unknownThere = await engine.Panel.PlaceOrderAsync(user, hostileService, Link(), 100);
        await engine.RunAsync(JobNames.DispatchOrders);
        Assert.Equal(7L, await engine.Panel.ScalarAsync<long>("SELECT count(*) FROM orders WHERE id = ANY($1) AND status = 'in_progress'",
            orders.Append(unknownThere).ToArray()));
        await engine.Panel.ExecuteAsync("UPDATE orders SET provider_order_id = '99999999' WHERE id = $1", unknownThere);
        hostile.Settings.ControlCharactersRate = 1;

        engine.Clock.Advance(TimeSpan.FromSeconds(20));
        await engine.RunAsync(JobNames.SyncOrderStatus);

        Assert.Equal(6L, await engine.Panel.ScalarAsync<long>(
            "SELECT count(*) FROM orders WHERE id = ANY($1) AND status = 'in_progress' AND provider_status = 'Pending' AND next_check_at > $2",
            orders.ToArray(), engine.Clock.GetUtcNow()));
        Assert.Equal("Incorrect order ID[31m\uFFFD", await engine.Panel.ScalarAsync<string>("SELECT error FROM orders WHERE id = $1", unknownThere));
        Assert.Equal(1L, hostile.Record.Count("status")); // one multi-status call for the four orders there
    }

    [Fact]
    public async Task A_redirect_is_not_followed_the_add_is_not_accepted_and_last_error_names_the_target_until_the_url_is_fixed()
    {
        await using var engine = await EngineHarness.StartAsync(fixture);
        await using var target = await ProviderSimulator.StartAsync(new SimulatorSettings { ApiKey = Key() }, engine.Clock);
        var (provider, service) = await engine.CreateProviderAndServiceAsync();
        var user = await engine.Panel.CreateUserAsync(deposit: 100m);
        var running = await engine.Panel.PlaceOrderAsync(user, service, Link(), 100);
        await engine.RunAsync(JobNames.DispatchOrders);
        Assert.Equal("in_progress", await engine.StatusAsync(running));

        // 307 keeps the method and the body: a client that followed it would hand the key to the target.
        engine.Simulator.Settings.RedirectTo = target.ApiUrl.ToString();
        engine.Simulator.Settings.RedirectStatus = 307;
        var link = Link();
        var order = await engine.Panel.PlaceOrderAsync(user, service, link, 100);
        await engine.RunAsync(JobNames.DispatchOrders);

        // Whatever answered the redirect received the whole request: the order may be there, so a person decides.
        var redirect = $"HTTP 307 redirect to {target.ApiUrl}";
        Assert.Equal("review", await engine.StatusAsync(order));
        Assert.Contains(redirect, await engine.Panel.ScalarAsync<string>("SELECT error FROM orders WHERE id = $1", order), StringComparison.Ordinal);
        Assert.Equal("unknown", await engine.Panel.ScalarAsync<string>("SELECT outcome FROM order_attempts WHERE order_id = $1", order));
        Assert.StartsWith("Add not accepted: " + redirect, await LastErrorAsync(engine, provider), StringComparison.Ordinal);

        engine.Clock.Advance(TimeSpan.FromSeconds(20));
        await engine.RunAsync(JobNames.SyncOrderStatus);
        Assert.Equal("in_progress", await engine.StatusAsync(running));
        Assert.Contains(redirect, await engine.Panel.ScalarAsync<string>("SELECT error FROM orders WHERE id = $1", running), StringComparison.Ordinal);
        Assert.StartsWith("Status check failed: ", await LastErrorAsync(engine, provider), StringComparison.Ordinal);
        Assert.Contains(redirect, await LastErrorAsync(engine, provider), StringComparison.Ordinal);

        await engine.RunAsync(JobNames.CheckProviderBalances);
        Assert.StartsWith("Balance check failed: ", await LastErrorAsync(engine, provider), StringComparison.Ordinal);
        Assert.Contains(redirect, await LastErrorAsync(engine, provider), StringComparison.Ordinal);

        Assert.Equal(0L, target.Record.Total);
        Assert.Equal(0, engine.Simulator.Orders.CreatedCount(link));
        Assert.Equal(0L, await engine.Panel.ScalarAsync<long>("""
            SELECT (SELECT count(*) FROM orders WHERE strpos(error, $1) > 0) + (SELECT count(*) FROM order_events WHERE strpos(detail::text, $1) > 0)
                 + (SELECT count(*) FROM providers WHERE strpos(last_error, $1) > 0)
            """, engine.ApiKey));

        // An operator fixes api_url (here: the provider stops redirecting) and, having checked it does not hold the order, retries it;
        // sending resumes once a call to the provider succeeds (here the next balance check).
        engine.Simulator.Settings.RedirectTo = null;
        await engine.Panel.ExecuteAsync("SELECT release_order($1, 'retry')", order);
        await engine.RunAsync(JobNames.CheckProviderBalances);
        await engine.RunAsync(JobNames.DispatchOrders);

        Assert.Equal("in_progress", await engine.StatusAsync(order));
        Assert.Equal(1, engine.Simulator.Orders.CreatedCount(link));
        Assert.Null(await LastErrorAsync(engine, provider));
        Assert.Null(await engine.Panel.ScalarAsync<DateTime?>("SELECT unreachable_since FROM providers WHERE id = $1", provider));
    }

    private static Task<string?> LastErrorAsync(EngineHarness engine, long provider) =>
        engine.Panel.ScalarAsync<string?>("SELECT last_error FROM providers WHERE id = $1", provider);
}
