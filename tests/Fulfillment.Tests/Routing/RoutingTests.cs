using System.Diagnostics;
using Fulfillment.Engine.Jobs;
using Fulfillment.Simulator;
using Fulfillment.Tests.Infrastructure;

namespace Fulfillment.Tests.Routing;

/// <summary>
/// Routes across two providers (the harness's simulator is provider A, route 0; a second simulator is provider B,
/// route 1): orders fail over when the route cannot take them, only when it is safe, and what each cost is recorded.
/// </summary>
public sealed class RoutingTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private static string Link() => $"https://instagram.com/p/{Guid.NewGuid():N}";

    /// <summary>Provider A (the harness's simulator) and B (a second one on the same clock), one service with route 0 at A and route 1 at B.</summary>
    private static async Task<(ProviderSimulator B, long A, long BId, long Service)> TwoRoutesAsync(EngineHarness engine, decimal rate = 2m)
    {
        var b = await ProviderSimulator.StartAsync(new SimulatorSettings { ApiKey = "b-key", Seed = 7 }, engine.Clock);
        var (a, service) = await engine.CreateProviderAndServiceAsync(rate: rate, providerName: $"a_{Guid.NewGuid():N}");
        var bId = await engine.Panel.CreateProviderAsync($"b_{Guid.NewGuid():N}", b.ApiUrl.ToString(), "b-key");
        await engine.Panel.ExecuteAsync("INSERT INTO service_routes (service_id, position, provider_id, provider_service_id) VALUES ($1, 1, $2, '1')", service, bId);
        return (b, a, bId, service);
    }

    private static async Task DispatchUntilAsync(EngineHarness engine, Func<Task<bool>> done, TimeSpan step)
    {
        var watch = Stopwatch.StartNew();
        while (!await done())
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), "dispatch did not get there");
            engine.Clock.Advance(step);
            await engine.RunAsync(JobNames.DispatchOrders);
        }
    }

    [Fact]
    public async Task Orders_at_a_provider_that_went_down_fail_over_after_FailoverAfter_complete_at_the_next_and_record_their_cost()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, s => s.SpeedFactor = 0.0001, "--Fulfillment:Dispatch:FailoverAfter=00:05:00");
        var (b, a, bId, service) = await TwoRoutesAsync(engine);
        await using var _ = b;
        var user = await engine.Panel.CreateUserAsync(deposit: 100m);
        var links = Enumerable.Range(0, 3).Select(_ => Link()).ToList();
        await engine.Simulator.GoDownAsync();
        var orders = new List<long>();
        foreach (var link in links)
        {
            orders.Add(await engine.Panel.PlaceOrderAsync(user, service, link, 100));
        }

        // Down for less than FailoverAfter: waiting on route 0, as without routes.
        await engine.RunAsync(JobNames.DispatchOrders);
        engine.Clock.Advance(TimeSpan.FromMinutes(2));
        await engine.RunAsync(JobNames.DispatchOrders);
        Assert.Equal(3L, await engine.Panel.ScalarAsync<long>(
            "SELECT count(*) FROM orders WHERE id = ANY($1) AND status = 'pending' AND route_position = 0 " +
            "AND EXISTS (SELECT 1 FROM order_attempts a WHERE a.order_id = orders.id AND a.outcome = 'refused' AND a.route_position = 0)", orders.ToArray()));
        Assert.Equal(0L, b.Record.Count("add"));

        // Past it: on to route 1 at B, once each, and accepted there.
        await DispatchUntilAsync(engine, async () => await engine.Panel.ScalarAsync<long>(
            "SELECT count(*) FROM orders WHERE id = ANY($1) AND status = 'in_progress'", orders.ToArray()) == 3, TimeSpan.FromMinutes(1));
        Assert.Equal(3L, await engine.Panel.ScalarAsync<long>(
            "SELECT count(*) FROM orders WHERE id = ANY($1) AND provider_id = $2 AND route_position = 1", orders.ToArray(), bId));
        Assert.Equal(3L, await engine.Panel.ScalarAsync<long>("""
            SELECT count(*) FROM order_events WHERE order_id = ANY($1) AND kind = 'rerouted'
              AND (detail->'from'->>'position')::int = 0 AND (detail->'from'->>'provider_id')::bigint = $2
              AND (detail->'to'->>'position')::int = 1 AND (detail->'to'->>'provider_id')::bigint = $3
            """, orders.ToArray(), a, bId));

        // Tracked at B (the route's provider), completed, with B's charge recorded; A never had them.
        engine.Clock.Advance(TimeSpan.FromDays(1));
        await engine.RunAsync(JobNames.SyncOrderStatus);
        await engine.RunAsync(JobNames.SyncOrderStatus);
        Assert.Equal(3L, await engine.Panel.ScalarAsync<long>(
            "SELECT count(*) FROM orders WHERE id = ANY($1) AND status IN ('completed', 'partial', 'canceled')", orders.ToArray()));
        Assert.All(links, link => Assert.Equal(1, b.Orders.CreatedCount(link)));
        Assert.All(links, link => Assert.Equal(0, engine.Simulator.Orders.CreatedCount(link)));
        foreach (var order in orders)
        {
            var providerOrder = await engine.Panel.ScalarAsync<long>("SELECT provider_order_id::bigint FROM orders WHERE id = $1", order);
            Assert.Equal(b.Orders.Find(providerOrder)!.Charge, await engine.Panel.ScalarAsync<decimal>("SELECT provider_charge FROM orders WHERE id = $1", order));
            Assert.Equal("USD", await engine.Panel.ScalarAsync<string>("SELECT provider_currency FROM orders WHERE id = $1", order));
            Assert.Equal(0L, await engine.Panel.ScalarAsync<long>(
                "SELECT count(*) FROM order_margins WHERE order_id = $1 AND margin IS DISTINCT FROM charge - refunded - provider_charge", order));
        }

        Assert.Equal(await engine.Panel.LedgerSumAsync(user), await engine.Panel.BalanceAsync(user));
    }

    [Fact]
    public async Task A_service_the_provider_stopped_offering_fails_over_at_once_and_after_the_list_sync_without_an_add_at_the_first()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, s => s.SpeedFactor = 0.0001);
        var (b, _, bId, service) = await TwoRoutesAsync(engine);
        await using var __ = b;
        var user = await engine.Panel.CreateUserAsync(deposit: 100m);
        engine.Simulator.DisableService(1);

        // The add is refused "Incorrect service ID": about the service, so on to route 1 at once.
        var first = await engine.Panel.PlaceOrderAsync(user, service, Link(), 100);
        await DispatchUntilAsync(engine, async () => await engine.StatusAsync(first) == "in_progress", TimeSpan.FromSeconds(1));
        Assert.Equal(bId, await engine.Panel.ScalarAsync<long>("SELECT provider_id FROM orders WHERE id = $1", first));
        Assert.Contains("UnknownService", await engine.Panel.ScalarAsync<string>(
            "SELECT detail->>'reason' FROM order_events WHERE order_id = $1 AND kind = 'rerouted'", first), StringComparison.Ordinal);

        // Once the lists are synced, route 0 is known to be gone: the next order moves at claim, before any add at A.
        await engine.RunAsync(JobNames.SyncProviderServices);
        Assert.True(await engine.Panel.ScalarAsync<bool>("SELECT enabled FROM services WHERE id = $1", service), "the service has a route left");
        var addsAtA = engine.Simulator.Record.Count("add");
        var second = await engine.Panel.PlaceOrderAsync(user, service, Link(), 100);
        await DispatchUntilAsync(engine, async () => await engine.StatusAsync(second) == "in_progress", TimeSpan.FromSeconds(1));
        Assert.Equal(addsAtA, engine.Simulator.Record.Count("add"));
        Assert.Contains("no longer lists service 1", await engine.Panel.ScalarAsync<string>(
            "SELECT detail->>'reason' FROM order_events WHERE order_id = $1 AND kind = 'rerouted'", second), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_price_rise_at_a_provider_skips_its_route_and_flags_the_service()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, s => s.SpeedFactor = 0.0001);
        var (b, _, bId, service) = await TwoRoutesAsync(engine, rate: 2m);
        await using var __ = b;
        var user = await engine.Panel.CreateUserAsync(deposit: 100m);
        engine.Simulator.SetRate(1, 2.5m);
        await engine.RunAsync(JobNames.SyncProviderServices);
        Assert.Contains("Upstream rate 2.5", await engine.Panel.ScalarAsync<string>("SELECT flag FROM services WHERE id = $1", service), StringComparison.Ordinal);

        var order = await engine.Panel.PlaceOrderAsync(user, service, Link(), 100);
        await DispatchUntilAsync(engine, async () => await engine.StatusAsync(order) == "in_progress", TimeSpan.FromSeconds(1));

        Assert.Equal(bId, await engine.Panel.ScalarAsync<long>("SELECT provider_id FROM orders WHERE id = $1", order));
        Assert.Contains("price guard", await engine.Panel.ScalarAsync<string>(
            "SELECT detail->>'reason' FROM order_events WHERE order_id = $1 AND kind = 'rerouted'", order), StringComparison.Ordinal);
        Assert.Equal(0L, engine.Simulator.Record.Count("add"));

        // B raises its price too: the flag names that route as well.
        b.SetRate(1, 3m);
        await engine.RunAsync(JobNames.SyncProviderServices);
        Assert.Contains("route 1", await engine.Panel.ScalarAsync<string>("SELECT flag FROM services WHERE id = $1", service), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_add_whose_answer_was_lost_goes_to_review_and_never_to_the_next_route()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, s => s.EmptyBodyRate = 1, "--Fulfillment:Dispatch:FailoverAfter=00:00:00");
        var (b, _, _, service) = await TwoRoutesAsync(engine);
        await using var __ = b;
        var user = await engine.Panel.CreateUserAsync(deposit: 100m);
        var link = Link();
        var order = await engine.Panel.PlaceOrderAsync(user, service, link, 100);

        await engine.RunAsync(JobNames.DispatchOrders);
        engine.Clock.Advance(TimeSpan.FromHours(1));
        await engine.RunAsync(JobNames.DispatchOrders);

        Assert.Equal("review", await engine.StatusAsync(order));
        Assert.Equal(0, await engine.Panel.ScalarAsync<int>("SELECT route_position FROM orders WHERE id = $1", order));
        Assert.Equal(1, engine.Simulator.Orders.CreatedCount(link));
        Assert.Equal(0L, b.Record.Count("add"));
        Assert.Equal(0L, await engine.Panel.ScalarAsync<long>("SELECT count(*) FROM order_events WHERE order_id = $1 AND kind = 'rerouted'", order));
    }

    [Fact]
    public async Task A_lost_answer_resent_as_configured_pins_the_order_to_its_route_even_when_that_provider_goes_down()
    {
        var name = $"a_{Guid.NewGuid():N}";
        await using var engine = await EngineHarness.StartAsync(fixture, s => s.EmptyBodyRate = 1,
            "--Fulfillment:Dispatch:FailoverAfter=00:00:00", $"--Fulfillment:Providers:Overrides:{name}:AllowResendOnUnknown=true");
        await using var b = await ProviderSimulator.StartAsync(new SimulatorSettings { ApiKey = "b-key", Seed = 7 }, engine.Clock);
        var (_, service) = await engine.CreateProviderAndServiceAsync(providerName: name);
        var bId = await engine.Panel.CreateProviderAsync($"b_{Guid.NewGuid():N}", b.ApiUrl.ToString(), "b-key");
        await engine.Panel.ExecuteAsync("INSERT INTO service_routes (service_id, position, provider_id, provider_service_id) VALUES ($1, 1, $2, '1')", service, bId);
        var user = await engine.Panel.CreateUserAsync(deposit: 100m);
        var order = await engine.Panel.PlaceOrderAsync(user, service, Link(), 100);

        await engine.RunAsync(JobNames.DispatchOrders);
        Assert.True(await engine.Panel.ScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM order_attempts WHERE order_id = $1 AND outcome = 'unknown')", order));
        await engine.Simulator.GoDownAsync();
        for (var i = 0; i < 3; i++)
        {
            engine.Clock.Advance(TimeSpan.FromMinutes(20));
            await engine.RunAsync(JobNames.DispatchOrders);
        }

        Assert.Equal("pending", await engine.StatusAsync(order));
        Assert.Equal(0, await engine.Panel.ScalarAsync<int>("SELECT route_position FROM orders WHERE id = $1", order));
        Assert.Equal(0L, b.Record.Count("add"));
    }

    [Fact]
    public async Task When_every_route_refuses_the_order_fails_once_with_an_exact_refund()
    {
        await using var engine = await EngineHarness.StartAsync(fixture);
        var (b, _, _, service) = await TwoRoutesAsync(engine, rate: 2m);
        await using var __ = b;
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        engine.Simulator.DisableService(1);
        b.DisableService(1);
        var order = await engine.Panel.PlaceOrderAsync(user, service, Link(), 100);

        await DispatchUntilAsync(engine, async () => await engine.StatusAsync(order) == "failed", TimeSpan.FromSeconds(1));

        Assert.Equal(0.2m, await engine.Panel.ScalarAsync<decimal>("SELECT refunded FROM orders WHERE id = $1", order));
        Assert.Equal(1L, await engine.Panel.ScalarAsync<long>("SELECT count(*) FROM ledger WHERE order_id = $1 AND kind = 'refund'", order));
        Assert.Equal(10m, await engine.Panel.BalanceAsync(user));
        Assert.Equal(await engine.Panel.LedgerSumAsync(user), await engine.Panel.BalanceAsync(user));
        Assert.Equal(1L, await engine.Panel.ScalarAsync<long>("SELECT count(*) FROM order_events WHERE order_id = $1 AND kind = 'rerouted'", order));
        Assert.Equal(1L, engine.Simulator.Record.Count("add"));
        Assert.Equal(1L, b.Record.Count("add"));
    }

    [Fact]
    public async Task Same_link_conflicts_with_the_Provider_scope_follow_the_route_an_order_was_sent_to()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, s => s.SpeedFactor = 0.0001, "--Fulfillment:Conflicts:Scope=Provider");
        var (b, a, bId, service) = await TwoRoutesAsync(engine);
        await using var __ = b;
        var user = await engine.Panel.CreateUserAsync(deposit: 100m);
        var atB = await engine.Panel.CreateServiceAsync(bId, 2m, providerServiceId: "1");
        await engine.Panel.ExecuteAsync("UPDATE providers SET enabled = false WHERE id = $1", a);
        var link = Link();

        var first = await engine.Panel.PlaceOrderAsync(user, service, link, 100);
        await engine.RunAsync(JobNames.DispatchOrders);
        Assert.Equal(bId, await engine.Panel.ScalarAsync<long>("SELECT provider_id FROM orders WHERE id = $1 AND status = 'in_progress'", first));

        // Another service, at B directly: same provider as the route the first order took, so it waits behind it.
        var second = await engine.Panel.PlaceOrderAsync(user, atB, link, 100);
        await engine.RunAsync(JobNames.DispatchOrders);
        Assert.Equal("held", await engine.StatusAsync(second));
        Assert.Equal(first, await engine.Panel.ScalarAsync<long>("SELECT held_by FROM orders WHERE id = $1", second));
        Assert.Equal(1, b.Record.AddCount(link));
    }
}
