using Fulfillment.Engine.Jobs;
using Fulfillment.Tests.Infrastructure;
using Npgsql;

namespace Fulfillment.Tests.Conflicts;

public sealed class ConflictTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private static string Post() => $"C{Guid.NewGuid():N}"[..12];

    private static Action<Fulfillment.Simulator.SimulatorSettings> Complete => s => { s.PartialProbability = 0; s.CanceledProbability = 0; };

    [Fact]
    public async Task A_second_order_for_the_same_post_is_held_behind_the_first_and_released_when_it_finishes()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, Complete);
        var (_, service) = await engine.CreateProviderAndServiceAsync();
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        var post = Post();
        var first = await engine.Panel.PlaceOrderAsync(user, service, $"https://www.instagram.com/p/{post}/", 1000);
        var second = await engine.Panel.PlaceOrderAsync(user, service, $"http://instagram.com/reel/{post}?igsh=abc", 1000);

        await engine.RunAsync(JobNames.DispatchOrders);

        Assert.Equal("in_progress", await engine.StatusAsync(first));
        Assert.Equal("held", await engine.StatusAsync(second));
        Assert.Equal(first, await engine.Panel.ScalarAsync<long>("SELECT held_by FROM orders WHERE id = $1", second));
        Assert.Equal(1L, await engine.Panel.ScalarAsync<long>("SELECT count(*) FROM order_events WHERE order_id = $1 AND kind = 'held'", second));
        // Both were claimed together: each stores its link key (the first with its dispatching write, the second held), so a
        // later claim on the same post finds them.
        Assert.Equal(2L, await engine.Panel.ScalarAsync<long>(
            "SELECT count(*) FROM orders WHERE id = ANY($1) AND link_key = $2", new[] { first, second },
            Fulfillment.Engine.Conflicts.ConflictKeys.LinkKey($"https://www.instagram.com/p/{post}/")));

        engine.Clock.Advance(TimeSpan.FromMinutes(5));
        await engine.RunAsync(JobNames.SyncOrderStatus);
        Assert.Equal("completed", await engine.StatusAsync(first));
        Assert.Equal("pending", await engine.StatusAsync(second));

        await engine.RunAsync(JobNames.DispatchOrders);
        Assert.Equal("in_progress", await engine.StatusAsync(second));
    }

    [Fact]
    public async Task A_chain_of_three_orders_on_one_link_runs_one_after_another()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, Complete);
        var (_, service) = await engine.CreateProviderAndServiceAsync();
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        var link = $"https://t.me/chain_{Guid.NewGuid():N}";
        var orders = new[]
        {
            await engine.Panel.PlaceOrderAsync(user, service, link, 1000),
            await engine.Panel.PlaceOrderAsync(user, service, link.Replace("https://t.me/", "https://telegram.me/", StringComparison.Ordinal), 1000),
            await engine.Panel.PlaceOrderAsync(user, service, link + "/", 1000),
        };

        var sequence = new List<long>();
        for (var round = 0; round < 6 && sequence.Count < 3; round++)
        {
            await engine.RunAsync(JobNames.DispatchOrders);
            await engine.RunAsync(JobNames.ResolveConflicts);
            var active = await engine.Panel.ScalarAsync<long>(
                "SELECT count(*) FROM orders WHERE id = ANY($1) AND status IN ('dispatching', 'in_progress')", orders);
            Assert.True(active <= 1, $"{active} orders active at once in round {round}");
            foreach (var id in orders.Where(id => !sequence.Contains(id)))
            {
                if (await engine.StatusAsync(id) == "in_progress")
                {
                    sequence.Add(id);
                }
            }

            engine.Clock.Advance(TimeSpan.FromMinutes(5));
            await engine.RunAsync(JobNames.SyncOrderStatus);
        }

        Assert.Equal(orders, sequence);
        Assert.All(orders, id => Assert.Equal("completed", engine.StatusAsync(id).GetAwaiter().GetResult()));
    }

    [Fact]
    public async Task The_scope_decides_which_orders_conflict()
    {
        await using (var engine = await EngineHarness.StartAsync(fixture, s => s.DuplicateLinkRefusal = false))
        {
            var (_, a) = await engine.CreateProviderAndServiceAsync(upstreamService: 1);
            var (_, b) = await engine.CreateProviderAndServiceAsync(upstreamService: 2);
            var user = await engine.Panel.CreateUserAsync(deposit: 10m);
            var link = $"https://instagram.com/p/{Post()}";
            var first = await engine.Panel.PlaceOrderAsync(user, a, link, 1000);
            var second = await engine.Panel.PlaceOrderAsync(user, b, link, 1000);

            await engine.RunAsync(JobNames.DispatchOrders);

            // Default scope: the same service only.
            Assert.Equal("in_progress", await engine.StatusAsync(first));
            Assert.Equal("in_progress", await engine.StatusAsync(second));
        }

        await using (var engine = await EngineHarness.StartAsync(fixture, s => s.DuplicateLinkRefusal = false, "--Fulfillment:Conflicts:Scope=Any"))
        {
            var (_, a) = await engine.CreateProviderAndServiceAsync(upstreamService: 1);
            var (_, b) = await engine.CreateProviderAndServiceAsync(upstreamService: 2);
            var user = await engine.Panel.CreateUserAsync(deposit: 10m);
            var link = $"https://instagram.com/p/{Post()}";
            var first = await engine.Panel.PlaceOrderAsync(user, a, link, 1000);
            var second = await engine.Panel.PlaceOrderAsync(user, b, link, 1000);

            await engine.RunAsync(JobNames.DispatchOrders);

            Assert.Equal("in_progress", await engine.StatusAsync(first));
            Assert.Equal("held", await engine.StatusAsync(second));
        }
    }

    [Fact]
    public async Task With_the_fail_policy_the_later_order_fails_with_a_refund()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, null, "--Fulfillment:Conflicts:Policy=Fail");
        var (_, service) = await engine.CreateProviderAndServiceAsync();
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        var link = $"https://youtu.be/{Post()}";
        var first = await engine.Panel.PlaceOrderAsync(user, service, link, 1000);
        var second = await engine.Panel.PlaceOrderAsync(user, service, link + "?si=share", 1000);

        await engine.RunAsync(JobNames.DispatchOrders);

        Assert.Equal("in_progress", await engine.StatusAsync(first));
        Assert.Equal("failed", await engine.StatusAsync(second));
        Assert.Equal(8m, await engine.Panel.BalanceAsync(user));
    }

    [Fact]
    public async Task The_providers_own_same_link_refusal_holds_the_order_instead_of_failing_it()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, Complete);
        var (_, a) = await engine.CreateProviderAndServiceAsync(upstreamService: 1);
        var (_, b) = await engine.CreateProviderAndServiceAsync(upstreamService: 2);
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        var link = $"https://instagram.com/p/{Post()}";
        var first = await engine.Panel.PlaceOrderAsync(user, a, link, 1000);
        var second = await engine.Panel.PlaceOrderAsync(user, b, link, 1000);

        await engine.RunAsync(JobNames.DispatchOrders);

        // Both adds leave in one batch, in parallel: whichever reaches the provider second is refused.
        var statuses = new[] { await engine.StatusAsync(first), await engine.StatusAsync(second) };
        Assert.Equal(["held", "in_progress"], statuses.Order());
        var refused = statuses[0] == "held" ? first : second;
        Assert.Equal(2, engine.Simulator.Record.AddCount(link));

        engine.Clock.Advance(TimeSpan.FromMinutes(5));
        await engine.RunAsync(JobNames.SyncOrderStatus);
        await engine.RunAsync(JobNames.ResolveConflicts);
        await engine.RunAsync(JobNames.DispatchOrders);

        Assert.Equal("in_progress", await engine.StatusAsync(refused));
        Assert.Equal(10m - 4m, await engine.Panel.BalanceAsync(user));
    }

    [Fact]
    public async Task The_link_and_quantity_of_an_active_order_cannot_change()
    {
        await using var engine = await EngineHarness.StartAsync(fixture);
        var (_, service) = await engine.CreateProviderAndServiceAsync();
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        var running = await engine.Panel.PlaceOrderAsync(user, service, $"https://x.com/a/status/{Random.Shared.NextInt64()}", 1000);
        await engine.RunAsync(JobNames.DispatchOrders);
        var pending = await engine.Panel.PlaceOrderAsync(user, service, $"https://x.com/b/status/{Random.Shared.NextInt64()}", 1000);

        await PostgresAssert.FailsWithCodeAsync("order_locked", () => engine.Panel.ExecuteAsync("UPDATE orders SET link = 'https://x.com/other' WHERE id = $1", running));
        await PostgresAssert.FailsWithCodeAsync("order_locked", () => engine.Panel.ExecuteAsync("UPDATE orders SET quantity = 5000 WHERE id = $1", running));
        Assert.Equal(1, await engine.Panel.ExecuteAsync("UPDATE orders SET link = 'https://x.com/c' WHERE id = $1", pending));
        Assert.Null(await engine.Panel.ScalarAsync<string?>("SELECT link_key FROM orders WHERE id = $1", pending));

        await engine.Panel.ExecuteAsync("SELECT fulfillment_finish_order($1, 'completed', 0, NULL, now())", running);
        Assert.Equal(1, await engine.Panel.ExecuteAsync("UPDATE orders SET link = '' WHERE id = $1", running));
    }

    [Fact]
    public async Task Two_engine_instances_racing_never_have_two_orders_for_one_link_active_at_the_provider()
    {
        await using var a = await EngineHarness.StartAsync(fixture, s => s.DuplicateLinkRefusal = false, "--Fulfillment:Dispatch:BatchSize=7");
        await using var b = await EngineHarness.StartAsync(fixture, s => s.DuplicateLinkRefusal = false, "--Fulfillment:Dispatch:BatchSize=5");
        var provider = await a.Panel.CreateProviderAsync(url: a.Simulator.ApiUrl.ToString(), key: a.ApiKey);
        // One provider row, at a's simulator: both engines send there.
        var service = await a.Panel.CreateServiceAsync(provider, rate: 0.1m, providerServiceId: "1");
        var user = await a.Panel.CreateUserAsync(deposit: 100m);
        var links = Enumerable.Range(0, 20).Select(i => $"https://tiktok.com/@race/video/{Random.Shared.NextInt64(1, long.MaxValue)}").ToArray();
        foreach (var link in links)
        {
            for (var copy = 0; copy < 3; copy++)
            {
                await a.Panel.PlaceOrderAsync(user, service, copy == 0 ? link : link + "?lang=en&copy=" + copy, 100);
            }
        }

        for (var round = 0; round < 5; round++)
        {
            await Task.WhenAll(a.RunAsync(JobNames.DispatchOrders), b.RunAsync(JobNames.DispatchOrders));
        }

        foreach (var link in links)
        {
            Assert.True(a.Simulator.Orders.CreatedCount(link) <= 1, $"{link} was created {a.Simulator.Orders.CreatedCount(link)} times");
        }

        Assert.Equal(0L, await a.Panel.ScalarAsync<long>("""
            SELECT count(*) FROM (SELECT link_key FROM orders WHERE user_id = $1 AND status IN ('dispatching', 'in_progress') GROUP BY link_key HAVING count(*) > 1) dup
            """, user));
        Assert.Equal(20L, await a.Panel.ScalarAsync<long>("SELECT count(*) FROM orders WHERE status = 'in_progress' AND user_id = $1", user));
        Assert.Equal(40L, await a.Panel.ScalarAsync<long>("SELECT count(*) FROM orders WHERE status = 'held' AND user_id = $1", user));
    }
}
