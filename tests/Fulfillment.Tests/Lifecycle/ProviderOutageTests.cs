using System.Diagnostics;
using Fulfillment.Engine.Jobs;
using Fulfillment.Tests.Infrastructure;

namespace Fulfillment.Tests.Lifecycle;

/// <summary>A provider that is down (connections refused) for a while: it costs time, not orders.</summary>
public sealed class ProviderOutageTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private static string Link() => $"https://instagram.com/p/{Guid.NewGuid():N}";

    [Fact]
    public async Task Orders_placed_during_an_outage_wait_and_go_out_once_each_when_the_provider_is_back()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, null,
            "--Fulfillment:Providers:Defaults:CircuitBreakerMinimumThroughput=2",
            "--Fulfillment:Providers:Defaults:CircuitBreakerBreakDuration=00:00:03");
        var (provider, service) = await engine.CreateProviderAndServiceAsync();
        var user = await engine.Panel.CreateUserAsync(deposit: 100m);
        var links = Enumerable.Range(0, 6).Select(_ => Link()).ToList();
        var orders = new List<long>();

        await engine.Simulator.GoDownAsync();
        foreach (var link in links)
        {
            orders.Add(await engine.Panel.PlaceOrderAsync(user, service, link, 100));
        }

        await engine.RunAsync(JobNames.DispatchOrders);

        Assert.Equal(6L, await CountAsync(engine, orders, "pending"));
        Assert.Equal(6L, await engine.Panel.ScalarAsync<long>(
            "SELECT count(*) FROM orders WHERE id = ANY($1) AND error LIKE 'Waiting to retry:%not sent:%'", orders.ToArray()));
        Assert.StartsWith("Add not accepted: not sent: ", await engine.Panel.ScalarAsync<string>("SELECT last_error FROM providers WHERE id = $1", provider),
            StringComparison.Ordinal);
        var since = await engine.Panel.ScalarAsync<DateTime?>("SELECT unreachable_since FROM providers WHERE id = $1", provider);
        Assert.Equal(engine.Clock.GetUtcNow().UtcDateTime, since!.Value, TimeSpan.FromMilliseconds(1));

        // The failures opened the circuit: the next pass does not even try, and that is a wait too.
        engine.Clock.Advance(TimeSpan.FromMinutes(1));
        await engine.RunAsync(JobNames.DispatchOrders);
        Assert.Equal(6L, await CountAsync(engine, orders, "pending"));
        Assert.True(await engine.Panel.ScalarAsync<long>(
            "SELECT count(*) FROM order_events WHERE order_id = ANY($1) AND kind = 'dispatch_deferred' AND detail->>'reason' LIKE '%circuit open%'",
            orders.ToArray()) > 0, "no add was refused by the open circuit");

        // Twelve hours down: well within GiveUpAfter (24 hours after placement), so nothing fails.
        engine.Clock.Advance(TimeSpan.FromHours(12));
        await engine.RunAsync(JobNames.DispatchOrders);
        Assert.Equal(6L, await CountAsync(engine, orders, "pending"));
        Assert.Equal(0L, engine.Simulator.Record.Count("add"));

        await engine.Simulator.ComeBackAsync();
        var watch = Stopwatch.StartNew();
        while (await CountAsync(engine, orders, "in_progress") < orders.Count)
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), $"only {await CountAsync(engine, orders, "in_progress")} of {orders.Count} went out");
            Assert.Equal(0L, await CountAsync(engine, orders, "failed"));
            // Past the longest backoff; the open circuit lets a call through again after its break, in real time.
            engine.Clock.Advance(TimeSpan.FromMinutes(16));
            await engine.RunAsync(JobNames.DispatchOrders);
            await Task.Delay(200);
        }

        Assert.All(links, link => Assert.Equal(1, engine.Simulator.Record.AddCount(link)));
        Assert.All(links, link => Assert.Equal(1, engine.Simulator.Orders.CreatedCount(link)));
        Assert.Equal(100m - (6 * 0.2m), await engine.Panel.BalanceAsync(user));
        Assert.Null(await engine.Panel.ScalarAsync<string?>("SELECT last_error FROM providers WHERE id = $1", provider));
        Assert.Null(await engine.Panel.ScalarAsync<DateTime?>("SELECT unreachable_since FROM providers WHERE id = $1", provider));
    }

    [Fact]
    public async Task Adds_refused_by_the_local_limiter_wait_unsent_and_go_out_later_without_marking_the_provider()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, s => s.LatencyMin = TimeSpan.FromMilliseconds(300),
            "--Fulfillment:Providers:Defaults:MaxConcurrency=1",
            "--Fulfillment:Providers:Defaults:MaxQueuedCalls=0");
        var (provider, service) = await engine.CreateProviderAndServiceAsync();
        var user = await engine.Panel.CreateUserAsync(deposit: 100m);
        var links = Enumerable.Range(0, 5).Select(_ => Link()).ToList();
        var orders = new List<long>();
        foreach (var link in links)
        {
            orders.Add(await engine.Panel.PlaceOrderAsync(user, service, link, 100));
        }

        await engine.RunAsync(JobNames.DispatchOrders);

        var throttled = await engine.Panel.ScalarAsync<long>(
            "SELECT count(*) FROM orders WHERE id = ANY($1) AND status = 'pending' AND error LIKE '%local concurrency%'", orders.ToArray());
        Assert.True(throttled > 0, "no add was refused by the local limiter");
        Assert.Equal(5 - throttled, engine.Simulator.Record.Count("add"));
        Assert.Null(await engine.Panel.ScalarAsync<DateTime?>("SELECT unreachable_since FROM providers WHERE id = $1", provider));
        Assert.Null(await engine.Panel.ScalarAsync<string?>("SELECT last_error FROM providers WHERE id = $1", provider));

        var watch = Stopwatch.StartNew();
        while (await CountAsync(engine, orders, "in_progress") < orders.Count)
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), "the throttled orders never went out");
            engine.Clock.Advance(TimeSpan.FromMinutes(16));
            await engine.RunAsync(JobNames.DispatchOrders);
        }

        Assert.All(links, link => Assert.Equal(1, engine.Simulator.Record.AddCount(link)));
    }

    [Fact]
    public async Task An_order_in_progress_at_a_provider_failing_every_status_call_goes_to_review_after_the_configured_time()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, s => s.SpeedFactor = 0.0001);
        var (provider, service) = await engine.CreateProviderAndServiceAsync();
        var user = await engine.Panel.CreateUserAsync(deposit: 100m);
        var orders = new[] { await engine.Panel.PlaceOrderAsync(user, service, Link(), 100), await engine.Panel.PlaceOrderAsync(user, service, Link(), 100) };
        await engine.RunAsync(JobNames.DispatchOrders);
        Assert.Equal(2L, await CountAsync(engine, orders, "in_progress"));

        await engine.Simulator.GoDownAsync();
        engine.Clock.Advance(TimeSpan.FromSeconds(20));
        await engine.RunAsync(JobNames.SyncOrderStatus);
        Assert.Equal(2L, await CountAsync(engine, orders, "in_progress"));
        Assert.StartsWith("Status check failed: ", await engine.Panel.ScalarAsync<string>("SELECT last_error FROM providers WHERE id = $1", provider),
            StringComparison.Ordinal);

        // A day later, still failing: still in progress (UnreachableReviewAfter is two days by default).
        engine.Clock.Advance(TimeSpan.FromDays(1));
        await engine.RunAsync(JobNames.SyncOrderStatus);
        Assert.Equal(2L, await CountAsync(engine, orders, "in_progress"));

        engine.Clock.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));
        await engine.RunAsync(JobNames.SyncOrderStatus);

        Assert.Equal(2L, await CountAsync(engine, orders, "review"));
        var reason = await engine.Panel.ScalarAsync<string>("SELECT error FROM orders WHERE id = $1", orders[0]);
        Assert.Contains("has failed every status call since", reason, StringComparison.Ordinal);
        Assert.Contains("never retry it", reason, StringComparison.Ordinal);
        Assert.DoesNotContain("'retry')", reason, StringComparison.Ordinal);
        Assert.Equal(2L, await engine.Panel.ScalarAsync<long>("SELECT count(*) FROM order_events WHERE order_id = ANY($1) AND kind = 'review'", orders));
        Assert.Equal(0m, await engine.Panel.ScalarAsync<decimal>("SELECT sum(refunded) FROM orders WHERE id = ANY($1)", orders));
    }

    private static Task<long> CountAsync(EngineHarness engine, IReadOnlyCollection<long> orders, string status) =>
        engine.Panel.ScalarAsync<long>("SELECT count(*) FROM orders WHERE id = ANY($1) AND status = $2", orders.ToArray(), status);
}
