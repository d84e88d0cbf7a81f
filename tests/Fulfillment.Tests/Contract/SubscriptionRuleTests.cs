using System.Globalization;
using System.Text.Json;
using Fulfillment.Tests.Infrastructure;

namespace Fulfillment.Tests.Contract;

/// <summary>
/// Subscriptions in the database: place_order checks their fields and charges rate x max x posts / 1000 from the
/// numbers the add sends; an open-ended subscription is refused; the refund of one that ends with posts left is
/// charge x (posts - served) / posts rounded down, once, written in fulfillment_finish_orders.
/// </summary>
public sealed class SubscriptionRuleTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private readonly Panel _panel = new(fixture.DataSource);

    private static string InDays(int days) =>
        DateTime.UtcNow.Date.AddDays(days).ToString("d/M/yyyy", CultureInfo.InvariantCulture);

    private async Task<(long User, long Service)> ArrangeAsync(decimal rate = 0.3m, int min = 50, int max = 5_000)
    {
        var provider = await _panel.CreateProviderAsync();
        var service = await _panel.CreateServiceAsync(provider, rate: rate, min: min, max: max, type: "Subscriptions");
        var user = await _panel.CreateUserAsync(deposit: 1_000m);
        return (user, service);
    }

    private Task<long> PlaceAsync(long user, long service, string link, int? quantity, string @params) =>
        _panel.ScalarAsync<long>("SELECT place_order($1, $2, $3, $4, $5::jsonb)", user, service, link, (object?)quantity, @params);

    private async Task AssertRefusedAsync(string code, Func<Task> call)
    {
        var before = await _panel.SnapshotAsync();
        await PostgresAssert.FailsWithCodeAsync(code, call);
        Assert.Equal(before, await _panel.SnapshotAsync());
    }

    [Fact]
    public async Task A_subscription_is_charged_for_max_on_every_post_from_the_numbers_the_add_sends()
    {
        var (user, service) = await ArrangeAsync(rate: 0.3m);

        var order = await PlaceAsync(user, service, "https://instagram.com/someone", 200,
            $$"""{"username": "@someone", "min": "100", "posts": " 12", "delay": "30", "expiry": "{{InDays(10)}}", "old_posts": 0, "note": "kept"}""");

        // 0.30 per 1000 x 200 per post x 12 posts.
        Assert.Equal(0.72m, await _panel.ScalarAsync<decimal>("SELECT charge FROM orders WHERE id = $1", order));
        Assert.Equal(-0.72m, await _panel.ScalarAsync<decimal>("SELECT amount FROM ledger WHERE order_id = $1 AND kind = 'charge'", order));
        Assert.Equal(2400L, await _panel.ScalarAsync<long>("SELECT charged_units FROM orders WHERE id = $1", order));
        Assert.Equal(12, await _panel.ScalarAsync<int>("SELECT charged_posts FROM orders WHERE id = $1", order));
        Assert.Equal(200, await _panel.ScalarAsync<int>("SELECT quantity FROM orders WHERE id = $1", order));
        // The params are what the add sends: numbers as numbers, the handle without its @, max from the quantity.
        using var sent = JsonDocument.Parse(await _panel.ScalarAsync<string>("SELECT params::text FROM orders WHERE id = $1", order));
        var p = sent.RootElement;
        Assert.Equal("someone", p.GetProperty("username").GetString());
        Assert.Equal(100, p.GetProperty("min").GetInt32());
        Assert.Equal(200, p.GetProperty("max").GetInt32());
        Assert.Equal(12, p.GetProperty("posts").GetInt32());
        Assert.Equal(30, p.GetProperty("delay").GetInt32());
        Assert.Equal(DateTime.UtcNow.Date.AddDays(10).ToString("dd/MM/yyyy", CultureInfo.InvariantCulture), p.GetProperty("expiry").GetString());
        Assert.False(p.TryGetProperty("old_posts", out _));
        Assert.Equal("kept", p.GetProperty("note").GetString());
        Assert.Equal(await _panel.BalanceAsync(user), await _panel.LedgerSumAsync(user));
    }

    [Fact]
    public async Task A_handle_as_the_link_stands_in_for_username()
    {
        var (user, service) = await ArrangeAsync();

        var order = await PlaceAsync(user, service, "@the.account_1", 100, """{"min": 50, "max": 100, "posts": 3}""");

        Assert.Equal("the.account_1", await _panel.ScalarAsync<string>("SELECT params->>'username' FROM orders WHERE id = $1", order));
        Assert.Equal(0.09m, await _panel.ScalarAsync<decimal>("SELECT charge FROM orders WHERE id = $1", order));
    }

    public static TheoryData<string, string, int, string> Refusals => new()
    {
        { "an open-ended subscription (no posts)", "invalid_params", 100, """{"username": "a", "min": 50}""" },
        { "posts of zero", "invalid_params", 100, """{"username": "a", "min": 50, "posts": 0}""" },
        { "more than 1000 posts", "invalid_params", 100, """{"username": "a", "min": 50, "posts": 1001}""" },
        { "posts not a whole number", "invalid_params", 100, """{"username": "a", "min": 50, "posts": 2.5}""" },
        { "no username and a link that is not a handle", "invalid_params", 100, """{"min": 50, "posts": 5}""" },
        { "a username that is not a handle", "invalid_params", 100, """{"username": "https://x.com/a", "min": 50, "posts": 5}""" },
        { "no min", "invalid_params", 100, """{"username": "a", "posts": 5}""" },
        { "min above max", "quantity_out_of_range", 100, """{"username": "a", "min": 150, "posts": 5}""" },
        { "min below the service's minimum", "quantity_out_of_range", 100, """{"username": "a", "min": 10, "posts": 5}""" },
        { "max (the quantity) above the service's maximum", "quantity_out_of_range", 6_000, """{"username": "a", "min": 50, "posts": 5}""" },
        { "a params max other than the quantity", "quantity_mismatch", 100, """{"username": "a", "min": 50, "max": 5000, "posts": 5}""" },
        { "a delay outside the protocol's list", "invalid_params", 100, """{"username": "a", "min": 50, "posts": 5, "delay": 20}""" },
        { "old posts, which the charge would not cover", "invalid_params", 100, """{"username": "a", "min": 50, "posts": 5, "old_posts": 3}""" },
        { "an expiry that is not d/m/Y", "invalid_params", 100, """{"username": "a", "min": 50, "posts": 5, "expiry": "2030-01-01"}""" },
        { "an expiry that is not a date", "invalid_params", 100, """{"username": "a", "min": 50, "posts": 5, "expiry": "31/02/2030"}""" },
        { "an expiry today", "invalid_params", 100, $$"""{"username": "a", "min": 50, "posts": 5, "expiry": "{{InDays(0)}}"}""" },
        { "an expiry in the past", "invalid_params", 100, $$"""{"username": "a", "min": 50, "posts": 5, "expiry": "{{InDays(-3)}}"}""" },
        { "an expiry more than a year ahead", "invalid_params", 100, $$"""{"username": "a", "min": 50, "posts": 5, "expiry": "{{InDays(400)}}"}""" },
        { "drip-feed", "invalid_params", 100, """{"username": "a", "min": 50, "posts": 5, "runs": 2, "interval": 5}""" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task A_subscription_whose_fields_cannot_be_sent_or_priced_is_refused(string because, string code, int quantity, string @params)
    {
        var (user, service) = await ArrangeAsync();

        var ex = await Record.ExceptionAsync(() => AssertRefusedAsync(code, () => PlaceAsync(user, service, "https://instagram.com/a", quantity, @params)));

        Assert.True(ex is null, $"{because}: {ex?.Message}");
    }

    [Theory]
    [InlineData("5")]
    [InlineData("600")]
    [InlineData("0")]
    public async Task Every_delay_of_the_protocols_list_is_taken(string delay)
    {
        var (user, service) = await ArrangeAsync();

        var order = await PlaceAsync(user, service, "a_handle", 100, $$"""{"min": 50, "posts": 1, "delay": {{delay}}}""");

        Assert.Equal(int.Parse(delay, CultureInfo.InvariantCulture), await _panel.ScalarAsync<int>("SELECT (params->>'delay')::int FROM orders WHERE id = $1", order));
    }

    [Fact]
    public async Task The_posts_a_subscription_was_charged_for_cannot_change()
    {
        var (user, service) = await ArrangeAsync();
        var order = await PlaceAsync(user, service, "a_handle", 100, """{"min": 50, "posts": 4}""");

        await AssertRefusedAsync("order_locked", () => _panel.ExecuteAsync("UPDATE orders SET charged_posts = 40 WHERE id = $1", order));
    }

    [Theory]
    [InlineData("partial", 3, 0)]
    [InlineData("canceled", 0, 0)]
    [InlineData("canceled", 7, 0)]
    [InlineData("failed", 2, 0)]
    [InlineData("partial", 12, 0)]
    [InlineData("completed", 3, 0)]
    [InlineData("partial", 5, 4)]
    public async Task A_subscription_ending_with_posts_left_refunds_the_unserved_share_rounded_down_once(string status, int served, int servedBefore)
    {
        var (user, service) = await ArrangeAsync(rate: 0.333333m);
        // 0.333333 x 111 x 7 / 1000 = 0.258999741, charged as 0.259000.
        var order = await PlaceAsync(user, service, "a_handle", 111, """{"min": 50, "posts": 7}""");
        if (servedBefore > 0)
        {
            await _panel.ExecuteAsync("UPDATE orders SET posts_served = $2 WHERE id = $1", order, servedBefore);
        }

        await _panel.ScalarAsync<long>(
            "SELECT count(*) FROM fulfillment_finish_orders(ARRAY[$1]::bigint[], ARRAY[$2], NULL, NULL, now(), NULL, NULL, NULL, NULL, ARRAY[$3]::int[])",
            order, status, served);
        await _panel.ScalarAsync<long>("SELECT count(*) FROM fulfillment_finish_orders(ARRAY[$1]::bigint[], ARRAY['canceled'], NULL, NULL, now())", order);

        var charge = 0.259m;
        var counted = Math.Clamp(Math.Max(served, servedBefore), 0, 7);
        var expected = status == "completed" ? 0m : Math.Floor(charge * (7 - counted) / 7 * 1_000_000m) / 1_000_000m;
        Assert.Equal(charge, await _panel.ScalarAsync<decimal>("SELECT charge FROM orders WHERE id = $1", order));
        Assert.Equal(expected, await _panel.ScalarAsync<decimal>("SELECT refunded FROM orders WHERE id = $1", order));
        Assert.Equal(expected, await _panel.ScalarAsync<decimal>("SELECT coalesce(sum(amount), 0) FROM ledger WHERE order_id = $1 AND kind = 'refund'", order));
        Assert.True(await _panel.ScalarAsync<long>("SELECT count(*) FROM ledger WHERE order_id = $1 AND kind = 'refund'", order) <= 1);
        Assert.Equal(counted, await _panel.ScalarAsync<int>("SELECT posts_served FROM orders WHERE id = $1", order));
        Assert.Equal(await _panel.BalanceAsync(user), await _panel.LedgerSumAsync(user));
        // One notification, saying what was served of what was bought.
        using var payload = JsonDocument.Parse(await _panel.ScalarAsync<string>("SELECT payload::text FROM notifications WHERE order_id = $1", order));
        Assert.Equal(7, payload.RootElement.GetProperty("posts").GetInt32());
        Assert.Equal(counted, payload.RootElement.GetProperty("posts_served").GetInt32());
        Assert.Equal(expected, payload.RootElement.GetProperty("refund").GetDecimal());
    }

    [Theory]
    [InlineData(0.259, 7, 2, 0.185)]
    [InlineData(0.259, 7, 3, 0.148)]
    [InlineData(0.1, 3, 1, 0.066666)]
    [InlineData(0.259, 7, -4, 0.259)]
    [InlineData(0.259, 7, 9, 0)]
    [InlineData(0.259, 0, 0, 0)]
    public async Task The_rule_is_the_unserved_share_rounded_down(decimal charge, int posts, int served, decimal refund) =>
        Assert.Equal(refund, await _panel.ScalarAsync<decimal>("SELECT fulfillment_subscription_refund($1, $2, $3)", charge, posts, served));

    [Fact]
    public async Task Every_reason_the_engine_gives_is_in_the_sql_vocabulary()
    {
        foreach (var reason in Fulfillment.Engine.Lifecycle.UserReason.All)
        {
            Assert.Equal(reason, await _panel.ScalarAsync<string>("SELECT fulfillment_user_reason($1, 'canceled')", reason));
        }
    }

    [Fact]
    public async Task An_expired_subscription_tells_the_user_so()
    {
        var (user, service) = await ArrangeAsync();
        var order = await PlaceAsync(user, service, "a_handle", 100, """{"min": 50, "posts": 4}""");

        await _panel.ScalarAsync<long>(
            "SELECT count(*) FROM fulfillment_finish_orders(ARRAY[$1]::bigint[], ARRAY['partial'], NULL, NULL, now(), NULL, NULL, NULL, ARRAY['subscription_expired'], ARRAY[1])",
            order);

        Assert.Equal("subscription_expired", await _panel.ScalarAsync<string>("SELECT payload->>'reason' FROM notifications WHERE order_id = $1", order));
        // 0.3 x 100 x 4 / 1000 = 0.12; 3 of 4 posts unserved.
        Assert.Equal(0.09m, await _panel.ScalarAsync<decimal>("SELECT refunded FROM orders WHERE id = $1", order));
    }
}
