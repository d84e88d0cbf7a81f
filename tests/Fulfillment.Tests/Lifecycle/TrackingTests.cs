using Fulfillment.Engine.Jobs;
using Fulfillment.Tests.Infrastructure;

namespace Fulfillment.Tests.Lifecycle;

public sealed class TrackingTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private static string Link() => $"https://www.youtube.com/watch?v={Guid.NewGuid():N}";

    private static async Task<(long User, long Order)> DispatchOneAsync(EngineHarness engine, decimal rate = 2m, int quantity = 1000)
    {
        var (_, service) = await engine.CreateProviderAndServiceAsync(rate: rate, max: 100_000);
        var user = await engine.Panel.CreateUserAsync(deposit: 100m);
        var order = await engine.Panel.PlaceOrderAsync(user, service, Link(), quantity);
        await engine.RunAsync(JobNames.DispatchOrders);
        Assert.Equal("in_progress", await engine.StatusAsync(order));
        return (user, order);
    }

    [Fact]
    public async Task A_completed_order_is_finished_without_refund_and_notified()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, s => { s.PartialProbability = 0; s.CanceledProbability = 0; });
        var (user, order) = await DispatchOneAsync(engine);

        engine.Clock.Advance(TimeSpan.FromSeconds(20));
        await engine.RunAsync(JobNames.SyncOrderStatus);
        Assert.Equal("in_progress", await engine.StatusAsync(order));
        Assert.NotNull(await engine.Panel.ScalarAsync<string?>("SELECT provider_status FROM orders WHERE id = $1", order));

        // An earlier failed check left an error; the provider's final answer replaces it.
        await engine.Panel.ExecuteAsync("UPDATE orders SET error = 'Status check failed: timeout' WHERE id = $1", order);
        engine.Clock.Advance(TimeSpan.FromMinutes(5));
        await engine.RunAsync(JobNames.SyncOrderStatus);

        Assert.Equal("completed", await engine.StatusAsync(order));
        Assert.Equal("Completed", await engine.Panel.ScalarAsync<string?>("SELECT provider_status FROM orders WHERE id = $1", order));
        Assert.Null(await engine.Panel.ScalarAsync<string?>("SELECT error FROM orders WHERE id = $1", order));
        Assert.Equal(0m, await engine.Panel.ScalarAsync<decimal>("SELECT refunded FROM orders WHERE id = $1", order));
        Assert.Equal(98m, await engine.Panel.BalanceAsync(user));
        Assert.Equal(1L, await engine.Panel.ScalarAsync<long>("SELECT count(*) FROM notifications WHERE order_id = $1 AND kind = 'order_completed'", order));
    }

    [Fact]
    public async Task A_partial_order_refunds_charge_times_remains_over_quantity_rounded_down()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, s => { s.PartialProbability = 1; s.OverDeliveryProbability = 0; });
        var (user, order) = await DispatchOneAsync(engine, rate: 0.333333m, quantity: 777);

        engine.Clock.Advance(TimeSpan.FromMinutes(5));
        await engine.RunAsync(JobNames.SyncOrderStatus);

        Assert.Equal("partial", await engine.StatusAsync(order));
        // The provider's own remains, through the one SQL rule (fulfillment_partial_refund; its rounding is tested in MoneyInvariantTests).
        var atProvider = engine.Simulator.Orders.Find(long.Parse(
            await engine.Panel.ScalarAsync<string>("SELECT provider_order_id FROM orders WHERE id = $1", order), System.Globalization.CultureInfo.InvariantCulture))!;
        var remains = atProvider.RemainsAt(engine.Simulator.Now);
        var expected = await engine.Panel.ScalarAsync<decimal>(
            "SELECT fulfillment_partial_refund(charge, $2, charged_units) FROM orders WHERE id = $1", order, remains);
        Assert.True(remains > 0);
        Assert.Equal(remains, await engine.Panel.ScalarAsync<long>("SELECT remains FROM orders WHERE id = $1", order));
        Assert.Equal(expected, await engine.Panel.ScalarAsync<decimal>("SELECT refunded FROM orders WHERE id = $1", order));
        Assert.Equal(expected, await engine.Panel.ScalarAsync<decimal>("SELECT amount FROM ledger WHERE order_id = $1 AND kind = 'refund'", order));
        Assert.Equal(await engine.Panel.BalanceAsync(user), await engine.Panel.LedgerSumAsync(user));
    }

    [Fact]
    public async Task An_order_canceled_by_the_provider_is_refunded_in_full_once_even_when_checked_again()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, s => { s.CanceledProbability = 1; s.PartialProbability = 0; });
        var (user, order) = await DispatchOneAsync(engine);

        engine.Clock.Advance(TimeSpan.FromMinutes(5));
        await engine.RunAsync(JobNames.SyncOrderStatus);
        await engine.Panel.ExecuteAsync("UPDATE orders SET next_check_at = $2 WHERE id = $1", order, engine.Clock.GetUtcNow());
        await engine.RunAsync(JobNames.SyncOrderStatus);

        Assert.Equal("canceled", await engine.StatusAsync(order));
        Assert.Equal(100m, await engine.Panel.BalanceAsync(user));
        Assert.Equal(1L, await engine.Panel.ScalarAsync<long>("SELECT count(*) FROM ledger WHERE order_id = $1 AND kind = 'refund'", order));
    }

    [Fact]
    public async Task Other_status_spellings_map_to_the_same_outcome()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, s =>
        {
            s.AltStatusSpellingRate = 1;
            s.StringNumbersRate = 1;
            s.CanceledProbability = 1;
            s.PartialProbability = 0;
        });
        var (user, order) = await DispatchOneAsync(engine);

        engine.Clock.Advance(TimeSpan.FromMinutes(5));
        await engine.RunAsync(JobNames.SyncOrderStatus);

        Assert.Equal("canceled", await engine.StatusAsync(order));
        Assert.Equal(100m, await engine.Panel.BalanceAsync(user));
    }

    [Fact]
    public async Task Status_is_asked_in_calls_of_at_most_one_hundred_orders_per_provider()
    {
        await using var engine = await EngineHarness.StartAsync(fixture);
        var (_, service) = await engine.CreateProviderAndServiceAsync(rate: 0.01m, max: 100_000);
        var user = await engine.Panel.CreateUserAsync(deposit: 100m);
        for (var i = 0; i < 150; i++)
        {
            await engine.Panel.PlaceOrderAsync(user, service, Link(), 100);
        }

        await engine.RunAsync(JobNames.DispatchOrders);
        engine.Clock.Advance(TimeSpan.FromSeconds(20));
        var before = engine.Simulator.Record.Count("status");
        await engine.RunAsync(JobNames.SyncOrderStatus);

        Assert.Equal(2, engine.Simulator.Record.Count("status") - before);
        Assert.Equal(150L, await engine.Panel.ScalarAsync<long>(
            "SELECT count(*) FROM orders WHERE user_id = $1 AND provider_status IS NOT NULL AND next_check_at > $2", user, engine.Clock.GetUtcNow()));
    }

    [Fact]
    public async Task Checks_back_off_as_an_order_ages_within_bounds()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, s => s.SpeedFactor = 0.0001);
        var (_, order) = await DispatchOneAsync(engine);

        engine.Clock.Advance(TimeSpan.FromSeconds(20));
        await engine.RunAsync(JobNames.SyncOrderStatus);
        var soon = await engine.Panel.ScalarAsync<DateTime>("SELECT next_check_at FROM orders WHERE id = $1", order);

        await engine.Panel.ExecuteAsync("UPDATE orders SET dispatched_at = $2, next_check_at = $3 WHERE id = $1",
            order, engine.Clock.GetUtcNow().AddDays(-2), engine.Clock.GetUtcNow());
        await engine.RunAsync(JobNames.SyncOrderStatus);
        var late = await engine.Panel.ScalarAsync<DateTime>("SELECT next_check_at FROM orders WHERE id = $1", order);

        var now = engine.Clock.GetUtcNow().UtcDateTime;
        Assert.InRange((soon - now).TotalSeconds, 14, 16);   // MinInterval
        Assert.InRange((late - now).TotalMinutes, 29.9, 30.1); // MaxInterval
    }

    [Fact]
    public async Task An_order_in_progress_for_too_long_goes_to_review()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, s => s.SpeedFactor = 0.0001);
        var (_, order) = await DispatchOneAsync(engine);
        await engine.Panel.ExecuteAsync("UPDATE orders SET dispatched_at = $2, next_check_at = $3 WHERE id = $1",
            order, engine.Clock.GetUtcNow().AddDays(-31), engine.Clock.GetUtcNow());

        await engine.RunAsync(JobNames.SyncOrderStatus);

        Assert.Equal("review", await engine.StatusAsync(order));
        Assert.Contains("Still in progress", await engine.Panel.ScalarAsync<string>("SELECT error FROM orders WHERE id = $1", order), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_provider_order_id_is_recorded_and_checked_again_never_finished()
    {
        await using var engine = await EngineHarness.StartAsync(fixture);
        var (_, order) = await DispatchOneAsync(engine);
        await engine.Panel.ExecuteAsync("UPDATE orders SET provider_order_id = '99999999' WHERE id = $1", order);

        engine.Clock.Advance(TimeSpan.FromMinutes(5));
        await engine.RunAsync(JobNames.SyncOrderStatus);

        Assert.Equal("in_progress", await engine.StatusAsync(order));
        Assert.NotNull(await engine.Panel.ScalarAsync<string?>("SELECT error FROM orders WHERE id = $1", order));
        Assert.True(await engine.Panel.ScalarAsync<DateTime>("SELECT next_check_at FROM orders WHERE id = $1", order) > engine.Clock.GetUtcNow().UtcDateTime);
    }
}
