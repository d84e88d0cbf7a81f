using System.Globalization;
using Fulfillment.Data.Entities;
using Fulfillment.Engine.Jobs;
using Fulfillment.Tests.Infrastructure;

namespace Fulfillment.Tests.Alerts;

/// <summary>
/// Orders in progress longer than expected (Fulfillment:Alerts:StuckAfter, 24 hours, for services without stats) raise orders_stuck
/// for their service; the engine tells and does nothing to them. Subscriptions and activations run as long as they were bought for.
/// </summary>
public sealed class StuckOrderAlertTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private static string Link() => $"https://instagram.com/p/{Guid.NewGuid():N}";

    [Fact]
    public async Task Orders_in_progress_past_StuckAfter_raise_orders_stuck_per_service_which_clears_when_they_finish_and_comes_back()
    {
        // Each order runs 30 hours at the provider.
        await using var engine = await EngineHarness.StartAsync(fixture, s =>
        {
            s.InProgressDuration = TimeSpan.FromHours(30);
            s.PartialProbability = 0;
            s.CanceledProbability = 0;
            s.OverDeliveryProbability = 0;
            s.SubscriptionPostEvery = TimeSpan.FromHours(1);
        });
        var watch = new AlertWatch(engine);
        var (_, service) = await engine.CreateProviderAndServiceAsync(cancel: true);
        var subject = service.ToString(CultureInfo.InvariantCulture);
        var (_, subscriptions) = await engine.CreateProviderAndServiceAsync(upstreamService: 8, rate: 1m, min: 50, max: 5_000, type: "Subscriptions", cancel: true);
        var (_, activations) = await engine.CreateActivationServiceAsync();
        var user = await engine.Panel.CreateUserAsync(deposit: 100m);

        var first = await engine.Panel.PlaceOrderAsync(user, service, Link(), 100);
        var subscription = await engine.Panel.PlaceOrderAsync(user, subscriptions, $"@acct_{Guid.NewGuid():N}"[..20], 100, """{"min": 50, "posts": 50}""");
        var activation = await engine.Panel.PlaceOrderAsync(user, activations, "", 1, """{"country":"0","service_code":"tg"}""");
        await engine.RunAsync(JobNames.DispatchOrders);
        Assert.Equal(3L, await engine.Panel.ScalarAsync<long>("SELECT count(*) FROM orders WHERE id = ANY($1) AND status = 'in_progress'",
            new[] { first, subscription, activation }));

        // 23 hours: within the expected time.
        engine.Clock.Advance(TimeSpan.FromHours(23));
        await watch.WatchHealthAsync();
        await watch.AssertNoneAsync(AlertKind.OrdersStuck, subject);

        // Past 24 hours: stuck. The subscription and the activation, as old, are not.
        engine.Clock.Advance(TimeSpan.FromHours(2));
        await watch.WatchHealthAsync();
        var alert = await watch.AssertAsync(AlertKind.OrdersStuck, AlertSubject.Service, subject, rows: 1, open: true);
        AlertWatch.AssertAt(engine.Clock.GetUtcNow(), alert.RaisedAt);
        Assert.Equal(1, alert.Detail.GetProperty("count").GetInt32());
        Assert.Equal(first, alert.Detail.GetProperty("oldest_order_id").GetInt64());
        await watch.AssertNoneAsync(AlertKind.OrdersStuck, subscriptions.ToString(CultureInfo.InvariantCulture));
        await watch.AssertNoneAsync(AlertKind.OrdersStuck, activations.ToString(CultureInfo.InvariantCulture));

        // Another order of the service gets stuck too: the same alert counts both, the oldest named.
        var second = await engine.Panel.PlaceOrderAsync(user, service, Link(), 100);
        await engine.RunAsync(JobNames.DispatchOrders);
        engine.Clock.Advance(TimeSpan.FromHours(25));
        await watch.WatchHealthAsync();
        alert = await watch.AssertAsync(AlertKind.OrdersStuck, AlertSubject.Service, subject, rows: 1, open: true);
        Assert.Equal(2, alert.Detail.GetProperty("count").GetInt32());
        Assert.Equal(first, alert.Detail.GetProperty("oldest_order_id").GetInt64());

        // The engine only told: nothing canceled, nothing asked of the provider.
        Assert.Equal(2L, await engine.Panel.ScalarAsync<long>("SELECT count(*) FROM orders WHERE id = ANY($1) AND status = 'in_progress'", new[] { first, second }));
        Assert.Equal(0L, await engine.Panel.ScalarAsync<long>("SELECT count(*) FROM order_requests WHERE order_id = ANY($1)", new[] { first, second }));
        Assert.Equal(0L, engine.Simulator.Record.Count("cancel"));

        // The first finished (30 hours at the provider): the second is still stuck, now the oldest.
        await engine.RunAsync(JobNames.SyncOrderStatus);
        Assert.Equal("completed", await engine.StatusAsync(first));
        await watch.WatchHealthAsync();
        alert = await watch.AssertAsync(AlertKind.OrdersStuck, AlertSubject.Service, subject, rows: 1, open: true);
        Assert.Equal(1, alert.Detail.GetProperty("count").GetInt32());
        Assert.Equal(second, alert.Detail.GetProperty("oldest_order_id").GetInt64());

        // Both finished: cleared.
        engine.Clock.Advance(TimeSpan.FromHours(6));
        await engine.RunAsync(JobNames.SyncOrderStatus);
        Assert.Equal("completed", await engine.StatusAsync(second));
        await watch.WatchHealthAsync();
        AlertWatch.AssertAt(engine.Clock.GetUtcNow(),
            (await watch.AssertAsync(AlertKind.OrdersStuck, AlertSubject.Service, subject, rows: 1, open: false)).ClearedAt);

        // A new order stuck: a new alert.
        var third = await engine.Panel.PlaceOrderAsync(user, service, Link(), 100);
        await engine.RunAsync(JobNames.DispatchOrders);
        engine.Clock.Advance(TimeSpan.FromHours(25));
        await watch.WatchHealthAsync();
        alert = await watch.AssertAsync(AlertKind.OrdersStuck, AlertSubject.Service, subject, rows: 2, open: true);
        Assert.Equal(third, alert.Detail.GetProperty("oldest_order_id").GetInt64());
    }
}
