using Fulfillment.Data.Entities;
using Fulfillment.Engine.Jobs;
using Fulfillment.Simulator;
using Fulfillment.Tests.Infrastructure;

namespace Fulfillment.Tests.Alerts;

/// <summary>
/// Route quarantine: a route (provider and upstream service) whose provider cancels orders without delivering, for orders of several
/// users, is quarantined by WatchHealth for an escalating cooldown and alerted (route_quarantined). A quarantined route is skipped like a
/// disabled one for orders not yet sent: they go to the next route, or wait when none is left, and fail only after GiveUpAfter.
/// </summary>
public sealed class QuarantineTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private static string Link() => $"https://instagram.com/p/{Guid.NewGuid():N}";

    /// <summary>A provider that cancels every order it gets, without delivering, within a minute.</summary>
    private static void CancelingAll(SimulatorSettings s)
    {
        s.SpeedFactor = 100;
        s.PartialProbability = 0;
        s.OverDeliveryProbability = 0;
        s.CanceledProbability = 1;
    }

    [Fact]
    public async Task A_route_whose_provider_cancels_most_orders_is_quarantined_new_orders_go_to_the_next_route_and_come_back_after_the_cooldown()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, CancelingAll);
        var watch = new AlertWatch(engine);
        await using var b = await ProviderSimulator.StartAsync(new SimulatorSettings { ApiKey = "b-key", Seed = 7 }, engine.Clock);
        var (a, service) = await engine.CreateProviderAndServiceAsync(providerName: $"a_{Guid.NewGuid():N}");
        var bId = await engine.Panel.CreateProviderAsync($"b_{Guid.NewGuid():N}", b.ApiUrl.ToString(), "b-key");
        await engine.Panel.ExecuteAsync("INSERT INTO service_routes (service_id, position, provider_id, provider_service_id) VALUES ($1, 1, $2, '1')", service, bId);
        var users = await UsersAsync(engine);
        var route = $"{a}:1";

        // Six orders of three users, all canceled by A without delivering: quarantined for the first cooldown, 30 minutes.
        await CanceledByProviderAsync(engine, service, a, users);
        await watch.WatchHealthAsync();
        var until = engine.Clock.GetUtcNow() + TimeSpan.FromMinutes(30);
        await AssertQuarantinedAsync(engine, a, level: 1, until);
        var alert = await watch.AssertAsync(AlertKind.RouteQuarantined, AlertSubject.Route, route, rows: 1, open: true);
        Assert.Equal(1, alert.Detail.GetProperty("level").GetInt32());
        Assert.Contains("canceled by the provider", alert.Detail.GetProperty("reason").GetString(), StringComparison.Ordinal);
        await watch.AssertNoneAsync(AlertKind.RouteQuarantined, $"{bId}:1");

        // Looked at again while it lasts: the same quarantine and the same alert.
        engine.Clock.Advance(TimeSpan.FromMinutes(1));
        await watch.WatchHealthAsync();
        await AssertQuarantinedAsync(engine, a, level: 1, until);
        Assert.Equal(alert.Id, (await watch.AssertAsync(AlertKind.RouteQuarantined, AlertSubject.Route, route, rows: 1, open: true)).Id);

        // A new order skips route 0 at claim and goes out on route 1, at B; A never sees it.
        var addsAtA = engine.Simulator.Record.Count("add");
        var moved = await engine.Panel.PlaceOrderAsync(users[0], service, Link(), 100);
        await engine.RunAsync(JobNames.DispatchOrders);
        Assert.Equal(bId, await engine.Panel.ScalarAsync<long>("SELECT provider_id FROM orders WHERE id = $1 AND status = 'in_progress' AND route_position = 1", moved));
        Assert.Contains("in quarantine until", await engine.Panel.ScalarAsync<string>(
            "SELECT detail->>'reason' FROM order_events WHERE order_id = $1 AND kind = 'rerouted'", moved), StringComparison.Ordinal);
        Assert.Equal(addsAtA, engine.Simulator.Record.Count("add"));
        Assert.Equal(1L, b.Record.Count("add"));

        // The cooldown over: the alert clears, the old cancels do not count again, and route 0 takes the next order.
        engine.Clock.Advance(TimeSpan.FromMinutes(30));
        await watch.WatchHealthAsync();
        AlertWatch.AssertAt(engine.Clock.GetUtcNow(),
            (await watch.AssertAsync(AlertKind.RouteQuarantined, AlertSubject.Route, route, rows: 1, open: false)).ClearedAt);
        await AssertQuarantinedAsync(engine, a, level: 1, until);
        var back = await engine.Panel.PlaceOrderAsync(users[0], service, Link(), 100);
        await engine.RunAsync(JobNames.DispatchOrders);
        Assert.Equal(a, await engine.Panel.ScalarAsync<long>("SELECT provider_id FROM orders WHERE id = $1 AND status = 'in_progress' AND route_position = 0", back));
        Assert.Equal(addsAtA + 1, engine.Simulator.Record.Count("add"));

        // A goes on canceling: quarantined again, for the next cooldown (2 hours), with a new alert.
        await CanceledByProviderAsync(engine, service, a, users);
        await watch.WatchHealthAsync();
        await AssertQuarantinedAsync(engine, a, level: 2, engine.Clock.GetUtcNow() + TimeSpan.FromHours(2));
        alert = await watch.AssertAsync(AlertKind.RouteQuarantined, AlertSubject.Route, route, rows: 2, open: true);
        Assert.Equal(2, alert.Detail.GetProperty("level").GetInt32());
    }

    [Fact]
    public async Task lift_quarantine_ends_a_quarantine_early_and_says_not_found_or_not_quarantined_for_routes_it_cannot_lift()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, CancelingAll);
        var watch = new AlertWatch(engine);
        var (a, service) = await engine.CreateProviderAndServiceAsync();
        var users = await UsersAsync(engine);
        var route = $"{a}:1";

        await PostgresAssert.FailsWithCodeAsync("not_quarantined", () => LiftAsync(engine, a, "1"));
        await PostgresAssert.FailsWithCodeAsync("not_found", () => LiftAsync(engine, a, "999"));
        await PostgresAssert.FailsWithCodeAsync("not_found", () => LiftAsync(engine, a + 1_000_000, "1"));

        await CanceledByProviderAsync(engine, service, a, users);
        await watch.WatchHealthAsync();
        await AssertQuarantinedAsync(engine, a, level: 1, engine.Clock.GetUtcNow() + TimeSpan.FromMinutes(30));
        await watch.AssertAsync(AlertKind.RouteQuarantined, AlertSubject.Route, route, rows: 1, open: true);

        // No other route: a new order waits, neither sent nor failed.
        var addsAtA = engine.Simulator.Record.Count("add");
        var waiting = await engine.Panel.PlaceOrderAsync(users[0], service, Link(), 100);
        await engine.RunAsync(JobNames.DispatchOrders);
        Assert.Equal("pending", await engine.StatusAsync(waiting));
        Assert.Contains("in quarantine until", await engine.Panel.ScalarAsync<string>("SELECT error FROM orders WHERE id = $1", waiting), StringComparison.Ordinal);
        Assert.Equal(addsAtA, engine.Simulator.Record.Count("add"));

        // Lifted by hand: its alert clears, its level stays, and the order goes out well inside the 30 minutes it had left.
        await LiftAsync(engine, a, "1");
        await watch.AssertAsync(AlertKind.RouteQuarantined, AlertSubject.Route, route, rows: 1, open: false, clearedByHand: 1);
        Assert.True(await engine.Panel.ScalarAsync<bool>(
            "SELECT quarantined_until <= now() AND level = 1 AND reason LIKE '%(lifted by %' FROM route_quarantines WHERE provider_id = $1 AND service = '1'", a));
        engine.Clock.Advance(TimeSpan.FromMinutes(10));
        await engine.RunAsync(JobNames.DispatchOrders);
        Assert.Equal("in_progress", await engine.StatusAsync(waiting));
        Assert.Equal(addsAtA + 1, engine.Simulator.Record.Count("add"));

        // The cancels before the lift do not quarantine it again; and it cannot be lifted twice.
        await watch.WatchHealthAsync();
        await watch.AssertAsync(AlertKind.RouteQuarantined, AlertSubject.Route, route, rows: 1, open: false, clearedByHand: 1);
        await PostgresAssert.FailsWithCodeAsync("not_quarantined", () => LiftAsync(engine, a, "1"));
    }

    [Fact]
    public async Task An_order_whose_only_route_stays_in_quarantine_waits_and_fails_with_a_refund_only_after_GiveUpAfter()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, CancelingAll,
            "--Fulfillment:Dispatch:GiveUpAfter=01:00:00", "--Fulfillment:Quarantine:Cooldowns:0=03:00:00");
        var watch = new AlertWatch(engine);
        var (a, service) = await engine.CreateProviderAndServiceAsync();
        var users = await UsersAsync(engine);
        await CanceledByProviderAsync(engine, service, a, users);
        await watch.WatchHealthAsync();
        await AssertQuarantinedAsync(engine, a, level: 1, engine.Clock.GetUtcNow() + TimeSpan.FromHours(3));

        var addsAtA = engine.Simulator.Record.Count("add");
        var order = await engine.Panel.PlaceOrderAsync(users[0], service, Link(), 100);
        var placed = await engine.Panel.ScalarAsync<DateTime>("SELECT created_at FROM orders WHERE id = $1", order);
        await engine.RunAsync(JobNames.DispatchOrders);
        Assert.Equal("pending", await engine.StatusAsync(order));

        // Still waiting a minute before GiveUpAfter.
        engine.Clock.Advance(new DateTimeOffset(placed, TimeSpan.Zero) + TimeSpan.FromMinutes(59) - engine.Clock.GetUtcNow());
        await engine.RunAsync(JobNames.DispatchOrders);
        Assert.Equal("pending", await engine.StatusAsync(order));

        engine.Clock.Advance(TimeSpan.FromMinutes(2));
        await engine.RunAsync(JobNames.DispatchOrders);
        Assert.Equal("failed", await engine.StatusAsync(order));
        Assert.Contains("stayed in quarantine", await engine.Panel.ScalarAsync<string>("SELECT error FROM orders WHERE id = $1", order), StringComparison.Ordinal);
        Assert.Equal(0.2m, await engine.Panel.ScalarAsync<decimal>("SELECT refunded FROM orders WHERE id = $1", order));
        Assert.Equal(addsAtA, engine.Simulator.Record.Count("add"));
        Assert.Equal(await engine.Panel.LedgerSumAsync(users[0]), await engine.Panel.BalanceAsync(users[0]));
    }

    [Fact]
    public async Task A_provider_down_for_a_while_quarantines_none_of_its_routes_but_lost_answers_quarantine_the_route_they_came_from()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, null, "--Fulfillment:Providers:Defaults:CircuitBreakerMinimumThroughput=1000");
        var watch = new AlertWatch(engine);
        var (a, service) = await engine.CreateProviderAndServiceAsync();
        var user = await engine.Panel.CreateUserAsync(deposit: 100m);
        var route = $"{a}:1";

        // Down: ten adds never leave (connection refused), each refused for now; the provider is unreachable, its routes are not to blame.
        await engine.Simulator.GoDownAsync();
        var waiting = new List<long>();
        for (var i = 0; i < 10; i++)
        {
            waiting.Add(await engine.Panel.PlaceOrderAsync(user, service, Link(), 100));
        }

        await engine.RunAsync(JobNames.DispatchOrders);
        Assert.Equal(10L, await engine.Panel.ScalarAsync<long>(
            "SELECT count(*) FROM order_attempts WHERE order_id = ANY($1) AND refusal = 'temporary:unreachable'", waiting.ToArray()));
        await watch.WatchHealthAsync();
        await watch.AssertNoneAsync(AlertKind.RouteQuarantined, route);

        // Back: the waiting orders go out as soon as they are due again.
        await engine.Simulator.ComeBackAsync();
        engine.Clock.Advance(TimeSpan.FromMinutes(20));
        await engine.RunAsync(JobNames.DispatchOrders);
        Assert.Equal(10L, await engine.Panel.ScalarAsync<long>("SELECT count(*) FROM orders WHERE id = ANY($1) AND status = 'in_progress'", waiting.ToArray()));

        // Answers lost after the add left are the route's: five in the hour quarantine it.
        engine.Simulator.Settings.HtmlPageRate = 1;
        for (var i = 0; i < 5; i++)
        {
            await engine.Panel.PlaceOrderAsync(user, service, Link(), 100);
        }

        await engine.RunAsync(JobNames.DispatchOrders);
        await watch.WatchHealthAsync();
        await watch.AssertAsync(AlertKind.RouteQuarantined, AlertSubject.Route, route, rows: 1, open: true);
    }

    private static async Task<long[]> UsersAsync(EngineHarness engine) =>
        [await engine.Panel.CreateUserAsync(deposit: 100m), await engine.Panel.CreateUserAsync(deposit: 100m), await engine.Panel.CreateUserAsync(deposit: 100m)];

    /// <summary>Two orders per user sent to <paramref name="provider"/> on route 0, then canceled by it without delivering.</summary>
    private static async Task CanceledByProviderAsync(EngineHarness engine, long service, long provider, long[] users)
    {
        var orders = new List<long>();
        foreach (var user in users.Concat(users))
        {
            orders.Add(await engine.Panel.PlaceOrderAsync(user, service, Link(), 100));
        }

        await engine.RunAsync(JobNames.DispatchOrders);
        Assert.Equal(orders.Count, await engine.Panel.ScalarAsync<long>(
            "SELECT count(*) FROM orders WHERE id = ANY($1) AND status = 'in_progress' AND provider_id = $2 AND route_position = 0", orders.ToArray(), provider));
        engine.Clock.Advance(TimeSpan.FromMinutes(1));
        await engine.RunAsync(JobNames.SyncOrderStatus);
        Assert.Equal(orders.Count, await engine.Panel.ScalarAsync<long>(
            "SELECT count(*) FROM orders WHERE id = ANY($1) AND status = 'canceled' AND refunded = charge", orders.ToArray()));
    }

    private static async Task AssertQuarantinedAsync(EngineHarness engine, long provider, int level, DateTimeOffset until)
    {
        Assert.Equal(level, await engine.Panel.ScalarAsync<int>("SELECT level FROM route_quarantines WHERE provider_id = $1 AND service = '1'", provider));
        AlertWatch.AssertAt(until, await engine.Panel.ScalarAsync<DateTime>(
            "SELECT quarantined_until FROM route_quarantines WHERE provider_id = $1 AND service = '1'", provider));
    }

    private static Task<int> LiftAsync(EngineHarness engine, long provider, string service) =>
        engine.Panel.ExecuteAsync("SELECT lift_quarantine($1, $2)", provider, service);
}
