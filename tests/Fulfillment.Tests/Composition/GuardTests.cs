using Fulfillment.Data.Entities;
using Fulfillment.Engine.Dispatch;
using Fulfillment.Engine.Lifecycle;
using Fulfillment.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static Fulfillment.Tests.Composition.Compose;

namespace Fulfillment.Tests.Composition;

/// <summary>Guards of the dispatch writes that only show when two writers meet: a claim that lost its order, a move written twice.</summary>
public sealed class GuardTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task A_refusal_answered_under_a_claim_that_lost_the_order_is_a_late_answer_and_moves_nothing()
    {
        // A answers after a second, and refuses the add for a service it no longer offers: a refusal that moves an order on.
        await using var engine = await EngineHarness.StartAsync(fixture, s => s.LatencyMin = TimeSpan.FromSeconds(1),
            "--Fulfillment:Providers:Defaults:Timeout=00:00:10");
        var (_, service) = await engine.CreateProviderAndServiceAsync();
        var (b, bId) = await SecondProviderAsync(engine);
        await using var _ = b;
        await AddRouteAsync(engine, service, 1, bId);
        engine.Simulator.DisableService(1);
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        var link = Link();
        var order = await engine.Panel.PlaceOrderAsync(user, service, link, 100);

        var dispatching = engine.Services.GetRequiredService<DispatchPass>().DrainAsync(CancellationToken.None);
        await Poll.UntilAsync(() => engine.Simulator.Record.AddCount(link) == 1, TimeSpan.FromSeconds(30), "the add to reach A", dispatching);
        // Another instance holds the order now, while the refusal is on its way.
        var other = Guid.NewGuid();
        Assert.Equal(1, await engine.Panel.ExecuteAsync("UPDATE orders SET claimed_by = $2 WHERE id = $1 AND status = 'dispatching'", order, other));
        await dispatching;

        Assert.Equal(1L, await CountAsync(engine, "SELECT count(*) FROM order_events WHERE order_id = $1 AND kind = 'late_answer'", order));
        Assert.Equal(0L, await CountAsync(engine, "SELECT count(*) FROM order_events WHERE order_id = $1 AND kind = 'rerouted'", order));
        Assert.Equal(("dispatching", other, 0), (await engine.StatusAsync(order),
            await engine.Panel.ScalarAsync<Guid>("SELECT claimed_by FROM orders WHERE id = $1", order),
            await engine.Panel.ScalarAsync<int>("SELECT route_position FROM orders WHERE id = $1", order)));
        // The answer is kept on its attempt all the same; nothing was sent again, anywhere.
        Assert.Equal("refused", await engine.Panel.ScalarAsync<string>("SELECT string_agg(outcome, ',') FROM order_attempts WHERE order_id = $1", order));
        Assert.Equal(1, engine.Simulator.Record.AddCount(link));
        Assert.Equal(0L, b.Record.Count("add"));
    }

    [Fact]
    public async Task A_reroute_written_twice_moves_the_order_once_and_a_stale_one_never_moves_it_back()
    {
        await using var engine = await EngineHarness.StartAsync(fixture);
        var (_, service) = await engine.CreateProviderAndServiceAsync();
        await AddRouteAsync(engine, service, 1, await engine.Panel.CreateProviderAsync());
        await AddRouteAsync(engine, service, 2, await engine.Panel.CreateProviderAsync());
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        var order = await engine.Panel.PlaceOrderAsync(user, service, Link(), 100);
        var (route0, route1, route2) = (new Route(0, null, "1"), new Route(1, null, "1"), new Route(2, null, "1"));
        async Task WriteAsync(OrderChange change)
        {
            await using var connection = await engine.Panel.DataSource.OpenConnectionAsync();
            await using var batch = new NpgsqlBatch(connection);
            OrderWriter.AddTo(batch, [change], engine.Clock.GetUtcNow());
            await batch.ExecuteNonQueryAsync();
        }

        // The same move at claim, written twice (a claim retried after its commit was not acknowledged).
        var move = new OrderChange.Rerouted(order, OrderStatus.Pending, route0, route1, "route 0: its provider is disabled.");
        await WriteAsync(move);
        await WriteAsync(move);
        Assert.Equal(1L, await CountAsync(engine, "SELECT count(*) FROM order_events WHERE order_id = $1 AND kind = 'rerouted'", order));
        Assert.Equal(("pending", 1), (await engine.StatusAsync(order), await engine.Panel.ScalarAsync<int>("SELECT route_position FROM orders WHERE id = $1", order)));

        // Once it has moved on again, the stale move is written a third time: it never takes the order back.
        await WriteAsync(new OrderChange.Rerouted(order, OrderStatus.Pending, route1, route2, "route 1: its provider is disabled."));
        await WriteAsync(move);
        Assert.Equal(2L, await CountAsync(engine, "SELECT count(*) FROM order_events WHERE order_id = $1 AND kind = 'rerouted'", order));
        Assert.Equal(2, await engine.Panel.ScalarAsync<int>("SELECT route_position FROM orders WHERE id = $1", order));
        Assert.Equal(0L, engine.Simulator.Record.Count("add"));
    }
}
