using Fulfillment.Engine.Jobs;
using Fulfillment.Tests.Infrastructure;
using static Fulfillment.Tests.Composition.Compose;

namespace Fulfillment.Tests.Composition;

/// <summary>
/// What an order cost at its provider, composed with tracking, routing and order_margins: the charge is in the currency its answer
/// named, or the provider's balance currency; a currency the panel cannot convert is unknown, to the price guard and to the margin.
/// </summary>
public sealed class CostCompositionTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task A_charge_whose_answer_names_no_currency_is_in_the_provider_s_balance_currency_not_an_earlier_answer_s()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, Steady());
        var (provider, service) = await engine.CreateProviderAndServiceAsync(rate: 2m);
        await engine.RunAsync(JobNames.CheckProviderBalances);
        Assert.Equal("USD", await engine.Panel.ScalarAsync<string>("SELECT currency FROM providers WHERE id = $1", provider));
        // 1.5 per 1000 at the provider: an order of 1000 costs 1.5 there.
        engine.Simulator.SetRate(1, 1.5m);
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        var order = await engine.Panel.PlaceOrderAsync(user, service, Link(), 1000);
        await engine.RunAsync(JobNames.DispatchOrders);

        // The first status answer says 1.5 EUR.
        engine.Simulator.Settings.Currency = "EUR";
        engine.Clock.Advance(TimeSpan.FromSeconds(30));
        await engine.RunAsync(JobNames.SyncOrderStatus);
        Assert.Equal("in_progress", await engine.StatusAsync(order));
        Assert.Equal("1.5 EUR", await engine.Panel.ScalarAsync<string>("SELECT provider_charge::float8 || ' ' || provider_currency FROM orders WHERE id = $1", order));

        // The last one gives the charge and names no currency: the provider's own, not the earlier answer's.
        engine.Simulator.Settings.Currency = "";
        engine.Clock.Advance(TimeSpan.FromMinutes(5));
        await engine.RunAsync(JobNames.SyncOrderStatus);
        Assert.Equal("completed", await engine.StatusAsync(order));
        Assert.Equal("1.5 USD", await engine.Panel.ScalarAsync<string>("SELECT provider_charge::float8 || ' ' || provider_currency FROM orders WHERE id = $1", order));
        Assert.Equal("USD 1 0.5", await engine.Panel.ScalarAsync<string>(
            "SELECT provider_currency || ' ' || currency_rate::float8 || ' ' || margin::float8 FROM order_margins WHERE order_id = $1", order));
    }

    [Fact]
    public async Task A_route_quoting_in_a_currency_without_a_rate_is_skipped_by_the_price_guard_and_its_margin_is_unknown_until_a_rate_exists()
    {
        // Provider A (route 0) keeps its balance, quotes and charges in RUB; B (route 1) in USD, the panel's currency.
        await using var engine = await EngineHarness.StartAsync(fixture, Steady(s => s.Currency = "RUB"));
        var (a, service) = await engine.CreateProviderAndServiceAsync(rate: 2m);
        var (b, bId) = await SecondProviderAsync(engine, Steady());
        await using var _ = b;
        await AddRouteAsync(engine, service, 1, bId);
        await engine.RunAsync(JobNames.CheckProviderBalances);
        await engine.RunAsync(JobNames.SyncProviderServices);
        Assert.Equal("RUB", await engine.Panel.ScalarAsync<string>("SELECT currency FROM providers WHERE id = $1", a));
        Assert.Equal(0.9m, await engine.Panel.ScalarAsync<decimal>("SELECT rate FROM provider_services WHERE provider_id = $1 AND service = '1'", a));
        var user = await engine.Panel.CreateUserAsync(deposit: 100m);

        // No currency_rates row for RUB: the guard cannot compare A's 0.90 with the sale rate, so route 0 is skipped, saying why.
        var first = await engine.Panel.PlaceOrderAsync(user, service, Link(), 1000);
        await engine.RunAsync(JobNames.DispatchOrders);
        Assert.Equal("in_progress", await engine.StatusAsync(first));
        Assert.Equal((bId, 1), (await engine.Panel.ScalarAsync<long>("SELECT provider_id FROM orders WHERE id = $1", first),
            await engine.Panel.ScalarAsync<int>("SELECT route_position FROM orders WHERE id = $1", first)));
        Assert.Contains("RUB", await engine.Panel.ScalarAsync<string>(
            "SELECT detail ->> 'reason' FROM order_events WHERE order_id = $1 AND kind = 'rerouted'", first), StringComparison.Ordinal);
        Assert.Equal(0L, engine.Simulator.Record.Count("add"));

        // With a rate, 0.90 RUB is 0.0099 in the panel's currency, below the sale rate: route 0 takes the next order, charged in RUB.
        await engine.Panel.ExecuteAsync("INSERT INTO currency_rates (currency, rate) VALUES ('RUB', 0.011)");
        var second = await engine.Panel.PlaceOrderAsync(user, service, Link(), 1000);
        await engine.RunAsync(JobNames.DispatchOrders);
        Assert.Equal(a, await engine.Panel.ScalarAsync<long>("SELECT provider_id FROM orders WHERE id = $1 AND status = 'in_progress'", second));
        engine.Clock.Advance(TimeSpan.FromMinutes(5));
        await engine.RunAsync(JobNames.SyncOrderStatus);
        Assert.Equal("completed", await engine.StatusAsync(second));
        Assert.Equal("0.9 RUB", await engine.Panel.ScalarAsync<string>("SELECT provider_charge::float8 || ' ' || provider_currency FROM orders WHERE id = $1", second));

        // Converted while the rate exists: 2 paid, 0.9 x 0.011 = 0.0099 cost.
        const string Margin = "SELECT coalesce(provider_cost::text, 'null') || ' ' || coalesce(margin::text, 'null') FROM order_margins WHERE order_id = $1";
        Assert.Equal("0.009900 1.990100", await engine.Panel.ScalarAsync<string>(Margin, second));
        // Without it, the cost is unknown: no margin is shown, rather than one that reads RUB as the panel's currency.
        await engine.Panel.ExecuteAsync("DELETE FROM currency_rates WHERE currency = 'RUB'");
        Assert.Equal("null null", await engine.Panel.ScalarAsync<string>(Margin, second));
        Assert.Equal("RUB", await engine.Panel.ScalarAsync<string>("SELECT provider_currency FROM order_margins WHERE order_id = $1", second));
    }
}
