using Fulfillment.Engine.Configuration;
using Fulfillment.Engine.Conflicts;
using Fulfillment.Engine.Dispatch;
using Fulfillment.Engine.Dispatch.Sql;
using Fulfillment.Engine.Heartbeat;
using Fulfillment.Engine.Jobs;
using Fulfillment.Engine.Lifecycle.Decisions;
using Fulfillment.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Fulfillment.Tests.Lifecycle;

/// <summary>Overlapping dispatch passes (each class has its own database: these tests count every pending order).</summary>
public sealed class DispatchPipelineTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private static string Link() => $"https://instagram.com/p/{Guid.NewGuid():N}";

    [Fact]
    public async Task A_drain_over_several_batches_sends_every_order_once_in_placement_order()
    {
        // Batches of 5, each claimed while the one before is being sent.
        await using var engine = await EngineHarness.StartAsync(fixture, s => s.DuplicateLinkRefusal = false, "--Fulfillment:Dispatch:BatchSize=5");
        var (_, service) = await engine.CreateProviderAndServiceAsync();
        var user = await engine.Panel.CreateUserAsync(deposit: 100m);
        var links = Enumerable.Range(0, 23).Select(_ => Link()).ToList();
        var orders = new List<long>();
        foreach (var link in links)
        {
            orders.Add(await engine.Panel.PlaceOrderAsync(user, service, link, 100));
        }

        await engine.RunAsync(JobNames.DispatchOrders);

        Assert.Equal(23L, await engine.Panel.ScalarAsync<long>("SELECT count(*) FROM orders WHERE id = ANY($1) AND status = 'in_progress'", orders.ToArray()));
        Assert.All(links, link => Assert.Equal(1, engine.Simulator.Record.AddCount(link)));
        var sent = engine.Simulator.Record.Requests("add").Select(r => links.IndexOf(r.Field("link")!)).ToList();
        // Sends within a batch run in parallel; batches go in placement order.
        Assert.Equal(Enumerable.Range(0, 23).Select(i => i / 5), sent.Select(i => i / 5));
    }
}

/// <summary>
/// Marking and releasing a claimed batch. A claim takes every due order of its database, so each test has a database of
/// its own: an order another test left pending (or released) would be claimed with its batch.
/// </summary>
public sealed class DispatchMarkingTests(FreshDatabases databases) : IClassFixture<FreshDatabases>
{
    private static string Link() => $"https://instagram.com/p/{Guid.NewGuid():N}";

    [Fact]
    public async Task Only_orders_still_claimed_by_this_instance_are_marked_sending_and_unsent_ones_go_back_to_pending()
    {
        var connectionString = await databases.CreateAsync();
        await using var db = NpgsqlDataSource.Create(connectionString);
        await using var engine = await EngineHarness.StartAsync(connectionString, db);
        var (_, service) = await engine.CreateProviderAndServiceAsync();
        var user = await engine.Panel.CreateUserAsync(deposit: 100m);
        var orders = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            orders.Add(await engine.Panel.PlaceOrderAsync(user, service, Link(), 100));
        }

        var claims = engine.Services.GetRequiredService<DispatchClaim>();
        var instance = engine.Services.GetRequiredService<InstanceIdentity>().Id;
        var claim = await claims.ClaimAsync(instance, 10, engine.Clock.GetUtcNow(), _ => new DispatchDecision.Send(null!, null!), 0, CancellationToken.None);
        Assert.Equal(3, claim.Orders.Count);
        // Recovery elsewhere took the first one back while this batch waited.
        await engine.Panel.ExecuteAsync("UPDATE orders SET status = 'pending', claimed_by = NULL WHERE id = $1", orders[0]);

        var marked = await MarkSending.MarkAsync(db, instance, [.. claim.Orders.Where(o => o.Order.Id != orders[2]).Select(o => o.Start)],
            engine.Clock.GetUtcNow(), CancellationToken.None);
        var released = await ReleaseUnsent.ReleaseAsync(db, instance, [.. orders], engine.Clock.GetUtcNow(), CancellationToken.None);

        Assert.Equal([orders[1]], marked.Keys);
        Assert.Equal(1L, await engine.Panel.ScalarAsync<long>(
            "SELECT count(*) FROM order_attempts WHERE order_id = ANY($1) AND outcome = 'sending'", orders.ToArray()));
        Assert.Equal(1, released); // orders[2]: claimed, never marked; orders[1] is marked and stays
        Assert.Equal("pending", await engine.StatusAsync(orders[2]));
        Assert.Equal(0, await engine.Panel.ScalarAsync<int>("SELECT attempts FROM orders WHERE id = $1", orders[2]));
        Assert.Equal("dispatching", await engine.StatusAsync(orders[1]));
        Assert.Equal(0L, engine.Simulator.Record.Count("add"));
    }

    [Fact]
    public async Task A_claim_that_fits_is_marked_sending_in_its_own_commit_and_one_that_does_not_is_left_unmarked()
    {
        var connectionString = await databases.CreateAsync();
        await using var db = NpgsqlDataSource.Create(connectionString);
        await using var engine = await EngineHarness.StartAsync(connectionString, db);
        var (_, service) = await engine.CreateProviderAndServiceAsync();
        var user = await engine.Panel.CreateUserAsync(deposit: 100m);
        var claims = engine.Services.GetRequiredService<DispatchClaim>();
        var instance = engine.Services.GetRequiredService<InstanceIdentity>().Id;
        async Task<(ClaimResult Claim, long[] Orders)> ClaimThreeAsync(int markUpTo)
        {
            var orders = new long[3];
            for (var i = 0; i < orders.Length; i++)
            {
                orders[i] = await engine.Panel.PlaceOrderAsync(user, service, Link(), 100);
            }

            return (await claims.ClaimAsync(instance, 10, engine.Clock.GetUtcNow(), _ => new DispatchDecision.Send(null!, null!), markUpTo,
                CancellationToken.None), orders);
        }

        var (fits, marked) = await ClaimThreeAsync(markUpTo: 3);
        Assert.True(fits.Marked);
        Assert.Equal(3L, await engine.Panel.ScalarAsync<long>(
            "SELECT count(*) FROM orders o WHERE id = ANY($1) AND status = 'dispatching' AND link_key IS NOT NULL " +
            "AND EXISTS (SELECT 1 FROM order_attempts a WHERE a.order_id = o.id AND a.outcome = 'sending')", marked));
        // Marked: provably maybe sent, so never put back to pending.
        Assert.Equal(0, await ReleaseUnsent.ReleaseAsync(db, instance, marked, engine.Clock.GetUtcNow(), CancellationToken.None));

        var (tooMany, unmarked) = await ClaimThreeAsync(markUpTo: 2);
        Assert.False(tooMany.Marked);
        Assert.Equal(3L, await engine.Panel.ScalarAsync<long>(
            "SELECT count(*) FROM orders o WHERE id = ANY($1) AND status = 'dispatching' AND link_key IS NOT NULL " +
            "AND NOT EXISTS (SELECT 1 FROM order_attempts a WHERE a.order_id = o.id)", unmarked));
        Assert.Equal(3, await ReleaseUnsent.ReleaseAsync(db, instance, unmarked, engine.Clock.GetUtcNow(), CancellationToken.None));
        Assert.Equal(0L, engine.Simulator.Record.Count("add"));
    }
}
