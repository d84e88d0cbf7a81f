using Fulfillment.Engine.Jobs;
using Fulfillment.Simulator;
using Fulfillment.Tests.Infrastructure;

namespace Fulfillment.Tests.Lifecycle;

/// <summary>
/// For every order shape, what the user is charged matches what the provider is asked to deliver, and a
/// partial delivery is refunded against the provider's own record of it.
/// </summary>
public sealed class MoneyPerTypeTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    [Theory]
    [InlineData("Default", 250, "{}", 250L)]
    [InlineData("Default", 100, """{"runs": 5, "interval": 10}""", 500L)]
    [InlineData("Poll", 300, """{"answer_number": 2}""", 300L)]
    [InlineData("Custom Comments", null, """{"comments": "first\r\n\nsecond\n  \nthird"}""", 3L)]
    [InlineData("Comment Replies", 2, """{"username": "author", "comments": ["yes", "", "no"]}""", 2L)]
    [InlineData("Mentions Custom List", null, """{"usernames": ["ann", "bob", "cy", "di"]}""", 4L)]
    [InlineData("Package", 1, "{}", 1L)]
    [InlineData("Custom Comments Package", 1, """{"comments": "a\nb"}""", 1L)]
    public async Task The_charge_matches_what_the_provider_is_asked_to_deliver_and_a_partial_is_refunded_by_its_remains(
        string type, int? quantity, string @params, long units)
    {
        const decimal rate = 40m;
        await using var engine = await EngineHarness.StartAsync(fixture, s =>
        {
            s.Services = [new SimulatedService { Service = 1, Name = type, Type = type, Rate = rate, Min = 1, Max = 10_000, Dripfeed = true }];
            s.PartialProbability = 1;
            s.CanceledProbability = 0;
        });
        var (_, service) = await engine.CreateProviderAndServiceAsync(rate: rate, min: 1, max: 10_000, type: type);
        // Native: one add with runs and interval (DripFeedTests shows the drip-feed the engine runs itself).
        await engine.Panel.ExecuteAsync("UPDATE services SET dripfeed = true, dripfeed_mode = 'native' WHERE id = $1", service);
        var user = await engine.Panel.CreateUserAsync(deposit: 1_000m);
        var link = $"https://www.instagram.com/p/{Guid.NewGuid():N}";
        var order = await engine.Panel.ScalarAsync<long>("SELECT place_order($1, $2, $3, $4, $5::jsonb)", user, service, link, (object?)quantity, @params);

        await engine.RunAsync(JobNames.DispatchOrders);

        // What the user paid for, and what the provider was asked for and charged us for.
        var charge = await engine.Panel.ScalarAsync<decimal>("SELECT charge FROM orders WHERE id = $1", order);
        var isUnit = type.Contains("Package", StringComparison.Ordinal);
        Assert.Equal(isUnit ? rate : decimal.Round(rate * units / 1000m, 6), charge);
        Assert.Equal(units, await engine.Panel.ScalarAsync<long>("SELECT charged_units FROM orders WHERE id = $1", order));
        var add = Assert.Single(engine.Simulator.Record.Requests("add"));
        var id = long.Parse(await engine.Panel.ScalarAsync<string>("SELECT provider_order_id FROM orders WHERE id = $1", order), System.Globalization.CultureInfo.InvariantCulture);
        var upstream = engine.Simulator.Orders.Find(id)!;
        Assert.Equal(units, upstream.Quantity);
        Assert.Equal(charge, decimal.Round(upstream.Charge, 6));
        if (add.Field("comments") is { } comments)
        {
            Assert.DoesNotContain(comments.Split('\n'), line => string.IsNullOrWhiteSpace(line));
        }

        // The provider delivers part of it; the refund follows the provider's own remains.
        engine.Clock.Advance(TimeSpan.FromMinutes(10));
        await engine.RunAsync(JobNames.SyncOrderStatus);

        Assert.Equal("partial", await engine.StatusAsync(order));
        var remains = upstream.RemainsAt(engine.Clock.GetUtcNow());
        var expected = await engine.Panel.ScalarAsync<decimal>("SELECT fulfillment_partial_refund($1::numeric, $2, $3)", charge, remains, units);
        Assert.Equal(expected, await engine.Panel.ScalarAsync<decimal>("SELECT refunded FROM orders WHERE id = $1", order));
        Assert.Equal(1_000m - charge + expected, await engine.Panel.BalanceAsync(user));
        Assert.Equal(await engine.Panel.BalanceAsync(user), await engine.Panel.LedgerSumAsync(user));
    }
}
