using Fulfillment.Engine.Jobs;
using Fulfillment.Tests.Infrastructure;
using static Fulfillment.Tests.Composition.Compose;

namespace Fulfillment.Tests.Composition;

/// <summary>
/// Send attempts composed with routing and review: an add whose answer was lost pins the order to that attempt's provider and
/// upstream service (not to a route position), and what would fail it sends it to review instead, where a person settles it.
/// </summary>
public sealed class AttemptCompositionTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private static async Task<string> AttemptsAsync(EngineHarness engine, long order) => await engine.Panel.ScalarAsync<string>(
        "SELECT string_agg(outcome || '@' || provider_id || '/' || provider_service_id, ',' ORDER BY id) FROM order_attempts WHERE order_id = $1", order);

    [Fact]
    public async Task A_lost_answer_resent_as_configured_goes_to_its_provider_even_after_the_service_was_pointed_at_another()
    {
        var name = $"a_{Guid.NewGuid():N}";
        // A takes every add and loses the answer; a second add on the link is accepted, as a provider without the same-link rule does.
        await using var engine = await EngineHarness.StartAsync(fixture, s =>
        {
            s.EmptyBodyRate = 1;
            s.DuplicateLinkRefusal = false;
        }, $"--Fulfillment:Providers:Overrides:{name}:AllowResendOnUnknown=true");
        var (a, service) = await engine.CreateProviderAndServiceAsync(providerName: name);
        var (b, bId) = await SecondProviderAsync(engine);
        await using var _ = b;
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        var link = Link();
        var order = await engine.Panel.PlaceOrderAsync(user, service, link, 100);

        await engine.RunAsync(JobNames.DispatchOrders);
        Assert.Equal("pending", await engine.StatusAsync(order));
        Assert.Equal($"unknown@{a}/1", await AttemptsAsync(engine, order));
        Assert.Equal(1, engine.Simulator.Orders.CreatedCount(link));

        // The operator points the service at B; A answers again.
        await engine.Panel.ExecuteAsync("UPDATE services SET provider_id = $2 WHERE id = $1", service, bId);
        engine.Simulator.Settings.EmptyBodyRate = 0;
        engine.Clock.Advance(TimeSpan.FromHours(1));
        await engine.RunAsync(JobNames.DispatchOrders);

        // Sent again to A, the provider that may hold it, never to B.
        Assert.Equal("in_progress", await engine.StatusAsync(order));
        Assert.Equal(a, await engine.Panel.ScalarAsync<long>("SELECT provider_id FROM orders WHERE id = $1", order));
        Assert.Equal(2, engine.Simulator.Record.AddCount(link));
        Assert.Equal(0L, b.Record.Count("add"));
        Assert.Equal($"settled@{a}/1,accepted@{a}/1", await AttemptsAsync(engine, order));
        Assert.Equal(0L, await CountAsync(engine, "SELECT count(*) FROM ledger WHERE order_id = $1 AND kind = 'refund'", order));
        await AssertBalanceIsLedgerAsync(engine, user);
    }

    [Fact]
    public async Task A_pinned_order_whose_provider_was_disabled_goes_to_review_unrefunded_and_a_refund_settles_its_attempt_first()
    {
        var name = $"a_{Guid.NewGuid():N}";
        await using var engine = await EngineHarness.StartAsync(fixture, s => s.EmptyBodyRate = 1,
            $"--Fulfillment:Providers:Overrides:{name}:AllowResendOnUnknown=true", "--Fulfillment:Dispatch:FailoverAfter=00:00:00");
        var (a, service) = await engine.CreateProviderAndServiceAsync(providerName: name);
        var (b, bId) = await SecondProviderAsync(engine);
        await using var _ = b;
        await AddRouteAsync(engine, service, 1, bId);
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        var link = Link();
        var order = await engine.Panel.PlaceOrderAsync(user, service, link, 100);
        var charge = await engine.Panel.ScalarAsync<decimal>("SELECT charge FROM orders WHERE id = $1", order);
        await engine.RunAsync(JobNames.DispatchOrders);
        Assert.Equal($"unknown@{a}/1", await AttemptsAsync(engine, order));

        // A is disabled: route 1 could take a new order, but A may run this one already.
        await engine.Panel.ExecuteAsync("UPDATE providers SET enabled = false WHERE id = $1", a);
        engine.Clock.Advance(TimeSpan.FromHours(1));
        await engine.RunAsync(JobNames.DispatchOrders);

        Assert.Equal("review", await engine.StatusAsync(order));
        Assert.Contains("disabled", await engine.Panel.ScalarAsync<string>("SELECT error FROM orders WHERE id = $1", order), StringComparison.Ordinal);
        Assert.Equal(0, await engine.Panel.ScalarAsync<int>("SELECT route_position FROM orders WHERE id = $1", order));
        Assert.Equal(0L, b.Record.Count("add"));
        Assert.Equal(1, engine.Simulator.Record.AddCount(link));
        Assert.Equal(0L, await CountAsync(engine, "SELECT count(*) FROM order_events WHERE order_id = $1 AND kind IN ('rerouted', 'failed')", order));
        Assert.Equal(0L, await CountAsync(engine, "SELECT count(*) FROM ledger WHERE order_id = $1 AND kind = 'refund'", order));
        Assert.Equal(10m - charge, await engine.Panel.BalanceAsync(user));
        Assert.Equal($"unknown@{a}/1", await AttemptsAsync(engine, order));

        // A person found A does not have it: the refund settles the attempt, saying who decided, then refunds in full.
        await engine.Panel.ExecuteAsync("SELECT release_order($1, 'refund')", order);
        Assert.Equal($"settled@{a}/1", await AttemptsAsync(engine, order));
        Assert.Contains("release_order(refund)", await engine.Panel.ScalarAsync<string>("SELECT error FROM order_attempts WHERE order_id = $1", order),
            StringComparison.Ordinal);
        Assert.Equal(("canceled", charge), (await engine.StatusAsync(order), await engine.Panel.ScalarAsync<decimal>("SELECT refunded FROM orders WHERE id = $1", order)));
        Assert.Equal(10m, await engine.Panel.BalanceAsync(user));
        await AssertBalanceIsLedgerAsync(engine, user);
    }
}
