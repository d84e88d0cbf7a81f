using System.Globalization;
using System.Text.Json;
using Fulfillment.Engine.Jobs;
using Fulfillment.Simulator;
using Fulfillment.Tests.Infrastructure;

namespace Fulfillment.Tests.Lifecycle;

/// <summary>
/// Subscriptions end to end, on a fake clock shared with the simulator: the add carries the subscription's own fields,
/// the posts served and child orders reach orders.result, Paused is shown and not final, and each ending (completed,
/// expired, canceled by the user, canceled for a blocked account) comes with its exact money, refunded once, and
/// one notification saying what was served.
/// </summary>
public sealed class SubscriptionTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private static Action<SimulatorSettings> Posting(TimeSpan every, double pause = 0) => s =>
    {
        s.SubscriptionPostEvery = every;
        s.SubscriptionPauseProbability = pause;
        s.SubscriptionPauseLength = TimeSpan.FromHours(3);
    };

    private static async Task<(long User, long Order, decimal Charge)> PlaceAsync(
        EngineHarness engine, int posts, string extra = "", decimal rate = 0.333333m, int max = 111, bool cancel = true, decimal deposit = 10m)
    {
        var (_, service) = await engine.CreateProviderAndServiceAsync(upstreamService: 8, rate: rate, min: 50, max: 5_000, type: "Subscriptions", cancel: cancel);
        var user = await engine.Panel.CreateUserAsync(deposit: deposit);
        var handle = $"acct_{Guid.NewGuid():N}"[..20];
        var order = await engine.Panel.PlaceOrderAsync(user, service, "@" + handle, max, $$"""{"min": 50, "posts": {{posts}}{{extra}}}""");
        var charge = await engine.Panel.ScalarAsync<decimal>("SELECT charge FROM orders WHERE id = $1", order);
        // rate x max x posts / 1000, rounded half away from zero to 6 places.
        Assert.Equal(Math.Round(rate * max * posts / 1000m, 6, MidpointRounding.AwayFromZero), charge);
        return (user, order, charge);
    }

    /// <summary>Moves the clock and runs a status pass over every subscription due by then.</summary>
    private static async Task CheckAfterAsync(EngineHarness engine, TimeSpan wait)
    {
        engine.Clock.Advance(wait);
        await engine.RunAsync(JobNames.SyncOrderStatus);
    }

    private static async Task<JsonElement> ResultAsync(EngineHarness engine, long order) =>
        JsonDocument.Parse(await engine.Panel.ScalarAsync<string>("SELECT result::text FROM orders WHERE id = $1", order)).RootElement.Clone();

    private static decimal Unserved(decimal charge, int posts, int served) => Math.Floor(charge * (posts - served) / posts * 1_000_000m) / 1_000_000m;

    private static async Task AssertMoneyAsync(EngineHarness engine, long user, long order, decimal deposit, decimal charge, decimal refund)
    {
        Assert.Equal(refund, await engine.Panel.ScalarAsync<decimal>("SELECT refunded FROM orders WHERE id = $1", order));
        Assert.Equal(refund, await engine.Panel.ScalarAsync<decimal>("SELECT coalesce(sum(amount), 0) FROM ledger WHERE order_id = $1 AND kind = 'refund'", order));
        Assert.Equal(refund > 0 ? 1L : 0L, await engine.Panel.ScalarAsync<long>("SELECT count(*) FROM ledger WHERE order_id = $1 AND kind = 'refund'", order));
        Assert.Equal(deposit - charge + refund, await engine.Panel.BalanceAsync(user));
        Assert.Equal(await engine.Panel.BalanceAsync(user), await engine.Panel.LedgerSumAsync(user));
    }

    private static async Task<JsonElement> TheOneNotificationAsync(EngineHarness engine, long order)
    {
        Assert.Equal(1L, await engine.Panel.ScalarAsync<long>("SELECT count(*) FROM notifications WHERE order_id = $1", order));
        return JsonDocument.Parse(await engine.Panel.ScalarAsync<string>("SELECT payload::text FROM notifications WHERE order_id = $1", order)).RootElement.Clone();
    }

    [Fact]
    public async Task A_subscription_shows_its_posts_and_a_pause_and_completes_without_refund()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, Posting(TimeSpan.FromHours(1), pause: 1));
        var (user, order, charge) = await PlaceAsync(engine, posts: 3);

        await engine.RunAsync(JobNames.DispatchOrders);
        Assert.Equal("in_progress", await engine.StatusAsync(order));
        // The add carries the subscription's own fields, as charged, and no quantity.
        var add = Assert.Single(engine.Simulator.Record.Requests("add")).Fields;
        Assert.Equal(("50", "111", "3"), (add["min"], add["max"], add["posts"]));
        Assert.StartsWith("acct_", add["username"], StringComparison.Ordinal);
        Assert.False(add.ContainsKey("quantity"));

        // One post served after an hour: recorded for the panel, with its child order; checked again minutes later, not seconds.
        await CheckAfterAsync(engine, TimeSpan.FromMinutes(65));
        var first = await ResultAsync(engine, order);
        Assert.Equal((1, "active", 1), (first.GetProperty("posts_served").GetInt32(), first.GetProperty("state").GetString(), first.GetProperty("orders").GetArrayLength()));
        Assert.Equal(1, await engine.Panel.ScalarAsync<int>("SELECT posts_served FROM orders WHERE id = $1", order));
        var wait = await engine.Panel.ScalarAsync<double>("SELECT extract(epoch FROM next_check_at) - $2 FROM orders WHERE id = $1", order,
            engine.Clock.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0);
        Assert.InRange(wait, 5 * 60, 7 * 60);

        // Paused from 1.5 h for 3 h: shown, not final.
        await CheckAfterAsync(engine, TimeSpan.FromHours(1));
        Assert.Equal("in_progress", await engine.StatusAsync(order));
        Assert.Equal("Paused", await engine.Panel.ScalarAsync<string>("SELECT provider_status FROM orders WHERE id = $1", order));
        Assert.Equal("paused", (await ResultAsync(engine, order)).GetProperty("state").GetString());

        // Posts 2 and 3 come at 5 h and 6 h.
        await CheckAfterAsync(engine, TimeSpan.FromHours(2.5));
        Assert.Equal("in_progress", await engine.StatusAsync(order));
        await CheckAfterAsync(engine, TimeSpan.FromHours(2));

        Assert.Equal("completed", await engine.StatusAsync(order));
        var last = await ResultAsync(engine, order);
        Assert.Equal((3, "completed", 3), (last.GetProperty("posts_served").GetInt32(), last.GetProperty("state").GetString(), last.GetProperty("orders").GetArrayLength()));
        await AssertMoneyAsync(engine, user, order, 10m, charge, 0m);
        var told = await TheOneNotificationAsync(engine, order);
        Assert.Equal(("delivered", 3, 3), (told.GetProperty("reason").GetString(), told.GetProperty("posts").GetInt32(), told.GetProperty("posts_served").GetInt32()));
    }

    [Fact]
    public async Task An_expired_subscription_refunds_its_unserved_posts_rounded_down_once()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, Posting(TimeSpan.FromHours(6)));
        var expiry = engine.Clock.GetUtcNow().UtcDateTime.Date.AddDays(2);
        var (user, order, charge) = await PlaceAsync(engine, posts: 10, extra: $$""", "expiry": "{{expiry.ToString("d/M/yyyy", CultureInfo.InvariantCulture)}}" """);
        await engine.RunAsync(JobNames.DispatchOrders);
        var upstream = engine.Simulator.Orders.Find(long.Parse(await engine.Panel.ScalarAsync<string>("SELECT provider_order_id FROM orders WHERE id = $1", order),
            CultureInfo.InvariantCulture))!;

        // Every few hours for three days: the posts served climb until the expiry date, 24 to 48 hours away.
        for (var i = 0; i < 24; i++)
        {
            await CheckAfterAsync(engine, TimeSpan.FromHours(3));
        }

        var served = upstream.PostsServedAt(engine.Clock.GetUtcNow());
        Assert.InRange(served, 4, 8);
        Assert.Equal("partial", await engine.StatusAsync(order));
        Assert.Equal(served, await engine.Panel.ScalarAsync<int>("SELECT posts_served FROM orders WHERE id = $1", order));
        Assert.Equal("expired", (await ResultAsync(engine, order)).GetProperty("state").GetString());
        var refund = Unserved(charge, 10, served);
        Assert.True(refund > 0 && refund < charge);
        await AssertMoneyAsync(engine, user, order, 10m, charge, refund);
        var told = await TheOneNotificationAsync(engine, order);
        Assert.Equal(("subscription_expired", served, refund), (told.GetProperty("reason").GetString(), told.GetProperty("posts_served").GetInt32(),
            told.GetProperty("refund").GetDecimal()));

        // Asked again (a late pass, a second instance): nothing moves.
        await engine.Panel.ExecuteAsync("UPDATE orders SET next_check_at = $2 WHERE id = $1", order, engine.Clock.GetUtcNow());
        await CheckAfterAsync(engine, TimeSpan.FromHours(1));
        await AssertMoneyAsync(engine, user, order, 10m, charge, refund);
    }

    [Fact]
    public async Task A_users_cancel_asks_the_provider_and_refunds_the_posts_not_served()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, Posting(TimeSpan.FromHours(1)));
        var (user, order, charge) = await PlaceAsync(engine, posts: 7);
        await engine.RunAsync(JobNames.DispatchOrders);
        await CheckAfterAsync(engine, TimeSpan.FromHours(2.5));
        Assert.Equal(2, await engine.Panel.ScalarAsync<int>("SELECT posts_served FROM orders WHERE id = $1", order));

        var request = await engine.Panel.ScalarAsync<long>("SELECT request_cancel($1)", order);
        await engine.RunAsync(JobNames.ProcessOrderRequests);
        Assert.Equal(1L, engine.Simulator.Record.Count("cancel"));
        await CheckAfterAsync(engine, TimeSpan.FromHours(3));
        await engine.RunAsync(JobNames.ProcessOrderRequests);

        Assert.Equal("partial", await engine.StatusAsync(order));
        Assert.Equal("done", await engine.Panel.ScalarAsync<string>("SELECT status FROM order_requests WHERE id = $1", request));
        Assert.Equal("canceled", (await ResultAsync(engine, order)).GetProperty("state").GetString());
        // 0.333333 x 111 x 7 / 1000 = 0.259000 charged; 5 of 7 posts unserved: 0.185000.
        Assert.Equal(0.259m, charge);
        await AssertMoneyAsync(engine, user, order, 10m, charge, 0.185m);
        var told = await TheOneNotificationAsync(engine, order);
        Assert.Equal((2, 7), (told.GetProperty("posts_served").GetInt32(), told.GetProperty("posts").GetInt32()));
        Assert.Equal(1L, engine.Simulator.Record.Count("cancel"));
    }

    [Fact]
    public async Task A_subscription_of_a_service_without_cancel_cannot_be_canceled_by_its_user()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, Posting(TimeSpan.FromHours(1)));
        var (_, order, _) = await PlaceAsync(engine, posts: 3, cancel: false);
        await engine.RunAsync(JobNames.DispatchOrders);

        await PostgresAssert.FailsWithCodeAsync("not_cancelable", () => engine.Panel.ScalarAsync<long>("SELECT request_cancel($1)", order));
    }

    [Fact]
    public async Task A_blocked_accounts_subscription_is_canceled_at_the_provider_and_its_refund_forfeited()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, Posting(TimeSpan.FromHours(1)));
        // The panel's service says no cancel; a blocked account's subscription is asked to stop all the same.
        var (user, order, charge) = await PlaceAsync(engine, posts: 10, rate: 1m, max: 1000, cancel: false);
        await engine.RunAsync(JobNames.DispatchOrders);
        await CheckAfterAsync(engine, TimeSpan.FromHours(3.5));

        await engine.Panel.ExecuteAsync("SELECT block_user($1, 'chargeback')", user);
        await engine.RunAsync(JobNames.ProcessOrderRequests);
        Assert.Equal(1L, engine.Simulator.Record.Count("cancel"));
        await CheckAfterAsync(engine, TimeSpan.FromHours(5));
        await engine.RunAsync(JobNames.ProcessOrderRequests);

        Assert.Equal("partial", await engine.StatusAsync(order));
        Assert.Equal(3, await engine.Panel.ScalarAsync<int>("SELECT posts_served FROM orders WHERE id = $1", order));
        // 1.00 x 1000 x 10 / 1000 = 10 charged; 7 of 10 posts unserved: 7 refunded, then forfeited with the rest of the balance.
        Assert.Equal(10m, charge);
        Assert.Equal(7m, await engine.Panel.ScalarAsync<decimal>("SELECT amount FROM ledger WHERE order_id = $1 AND kind = 'refund'", order));
        Assert.Equal(0m, await engine.Panel.BalanceAsync(user));
        Assert.Equal(0m, await engine.Panel.LedgerSumAsync(user));
        Assert.Equal("done", await engine.Panel.ScalarAsync<string>("SELECT status FROM order_requests WHERE order_id = $1", order));
    }
}
