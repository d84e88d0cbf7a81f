using Fulfillment.Tests.Infrastructure;

namespace Fulfillment.Tests.Contract;

/// <summary>
/// place_order charges for what the add asks the provider to deliver, per service type; links are checked
/// at placement; an order's money columns and a finished order's status never change afterwards.
/// </summary>
public sealed class ChargeRuleTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private readonly Panel _panel = new(fixture.DataSource);

    private async Task<(long User, long Service)> ArrangeAsync(string type = "Default", decimal rate = 2m, int min = 10, int max = 10_000,
        bool dripfeed = false, decimal deposit = 1_000m)
    {
        var provider = await _panel.CreateProviderAsync();
        var service = await _panel.CreateServiceAsync(provider, rate: rate, min: min, max: max, type: type);
        await _panel.ExecuteAsync("UPDATE services SET dripfeed = $2 WHERE id = $1", service, dripfeed);
        var user = await _panel.CreateUserAsync(deposit: deposit);
        return (user, service);
    }

    private Task<long> PlaceAsync(long user, long service, string link, int? quantity, string @params = "{}") =>
        _panel.ScalarAsync<long>("SELECT place_order($1, $2, $3, $4, $5::jsonb)", user, service, link, (object?)quantity, @params);

    private async Task AssertChargedAsync(long user, long order, decimal charge, long units, int quantity)
    {
        Assert.Equal(charge, await _panel.ScalarAsync<decimal>("SELECT charge FROM orders WHERE id = $1", order));
        Assert.Equal(-charge, await _panel.ScalarAsync<decimal>("SELECT amount FROM ledger WHERE order_id = $1 AND kind = 'charge'", order));
        Assert.Equal(units, await _panel.ScalarAsync<long>("SELECT charged_units FROM orders WHERE id = $1", order));
        Assert.Equal(quantity, await _panel.ScalarAsync<int>("SELECT quantity FROM orders WHERE id = $1", order));
        Assert.Equal(await _panel.BalanceAsync(user), await _panel.LedgerSumAsync(user));
    }

    private async Task AssertRefusedAsync(string code, Func<Task> call)
    {
        var before = await _panel.SnapshotAsync();
        await PostgresAssert.FailsWithCodeAsync(code, call);
        Assert.Equal(before, await _panel.SnapshotAsync());
    }

    [Fact]
    public async Task A_drip_feed_is_charged_for_quantity_times_runs_with_min_and_max_per_run()
    {
        var (user, service) = await ArrangeAsync(rate: 2m, min: 10, max: 1000, dripfeed: true);

        var order = await PlaceAsync(user, service, "https://instagram.com/p/drip", 100, """{"runs": 10, "interval": 30}""");

        await AssertChargedAsync(user, order, 2m, 1000, 100);
        // Per run, as the API checks it: 1000 x 5 runs is within max 1000, 1001 is not.
        await PlaceAsync(user, service, "https://instagram.com/p/drip2", 1000, """{"runs": "5", "interval": "10"}""");
        await AssertRefusedAsync("quantity_out_of_range", () => PlaceAsync(user, service, "https://instagram.com/p/d3", 1001, """{"runs": 2, "interval": 1}"""));
    }

    [Theory]
    [InlineData("""{"runs": 1, "interval": 10}""")]
    [InlineData("""{"runs": 1001, "interval": 10}""")]
    [InlineData("""{"runs": 5, "interval": 0}""")]
    [InlineData("""{"runs": 5, "interval": 10081}""")]
    [InlineData("""{"runs": 5}""")]
    [InlineData("""{"interval": 5}""")]
    [InlineData("""{"runs": "ten", "interval": 5}""")]
    [InlineData("""{"runs": 2.5, "interval": 5}""")]
    [InlineData("""{"runs": -3, "interval": 5}""")]
    public async Task Drip_feed_runs_and_interval_are_bounded(string @params)
    {
        var (user, service) = await ArrangeAsync(dripfeed: true);

        await AssertRefusedAsync("invalid_params", () => PlaceAsync(user, service, "https://instagram.com/p/x", 100, @params));
    }

    [Theory]
    [InlineData("Default", false)]
    [InlineData("Poll", true)]
    [InlineData("Package", true)]
    public async Task Drip_feed_is_refused_where_the_service_or_its_type_cannot_run_it(string type, bool serviceOffersIt)
    {
        var (user, service) = await ArrangeAsync(type: type, dripfeed: serviceOffersIt);
        var quantity = type == "Package" ? 1 : 100;

        await AssertRefusedAsync("invalid_params", () => PlaceAsync(user, service, "https://t.me/c/1", quantity,
            """{"runs": 3, "interval": 10, "answer_number": 1}"""));
    }

    [Fact]
    public async Task Custom_comments_are_charged_per_non_empty_line_and_a_mismatched_quantity_is_refused()
    {
        var (user, service) = await ArrangeAsync(type: "Custom Comments", rate: 10m, min: 1, max: 100);
        const string comments = """{"comments": "nice\r\n\n   \ngreat\r\n\t\nwow\n"}""";

        var derived = await PlaceAsync(user, service, "https://instagram.com/p/c1", null, comments);
        var given = await PlaceAsync(user, service, "https://instagram.com/p/c2", 3, comments);

        await AssertChargedAsync(user, derived, 0.03m, 3, 3);
        await AssertChargedAsync(user, given, 0.03m, 3, 3);
        await AssertRefusedAsync("quantity_mismatch", () => PlaceAsync(user, service, "https://instagram.com/p/c3", 100, comments));
        await AssertRefusedAsync("invalid_params", () => PlaceAsync(user, service, "https://instagram.com/p/c4", null, """{"comments": " \n\n"}"""));
        await AssertRefusedAsync("quantity_out_of_range", () => PlaceAsync(user, service, "https://instagram.com/p/c5", null,
            "{\"comments\": \"" + string.Join("\\n", Enumerable.Range(0, 101).Select(i => $"c{i}")) + "\"}"));
    }

    [Fact]
    public async Task A_list_given_as_an_array_counts_its_items_and_their_lines()
    {
        var (user, service) = await ArrangeAsync(type: "Mentions Custom List", rate: 5m, min: 1, max: 1000);

        var order = await PlaceAsync(user, service, "https://instagram.com/p/m", null, """{"usernames": ["alice", "", "bob\ncarol", 42]}""");

        await AssertChargedAsync(user, order, 0.02m, 4, 4);
    }

    [Fact]
    public async Task Comment_replies_are_charged_per_comment()
    {
        var (user, service) = await ArrangeAsync(type: "Comment Replies", rate: 1000m, min: 1, max: 10);

        var order = await PlaceAsync(user, service, "https://instagram.com/p/r", 2, """{"username": "target", "comments": "a\nb"}""");

        await AssertChargedAsync(user, order, 2m, 2, 2);
    }

    [Theory]
    [InlineData("Package")]
    [InlineData("Custom Comments Package")]
    public async Task A_package_is_one_unit_priced_at_its_rate(string type)
    {
        var (user, service) = await ArrangeAsync(type: type, rate: 7.5m);

        var order = await PlaceAsync(user, service, "https://instagram.com/p/pk", 1, """{"comments": "a\nb\nc"}""");

        await AssertChargedAsync(user, order, 7.5m, 1, 1);
        await AssertRefusedAsync("quantity_out_of_range", () => PlaceAsync(user, service, "https://instagram.com/p/pk2", 3, """{"comments": "a"}"""));
    }

    [Theory]
    [InlineData("javascript:alert(1)")]
    [InlineData("JavaScript://example.com/%0aalert(1)")]
    [InlineData("data:text/html,<script>alert(1)</script>")]
    [InlineData("file:///etc/passwd")]
    [InlineData("ftp://example.com/file")]
    [InlineData("//evil.example.com/x")]
    [InlineData("https://user:secret@example.com/")]
    [InlineData("https://localhost/x")]
    [InlineData("@handle")]
    [InlineData("https://example.com/a b")]
    [InlineData("https://example.com/\u0001")]
    public async Task A_link_that_is_not_a_web_address_is_refused_at_placement(string link)
    {
        var (user, service) = await ArrangeAsync();

        await AssertRefusedAsync("invalid_link", () => PlaceAsync(user, service, link, 100));
    }

    [Theory]
    [InlineData("Default", "https://www.instagram.com/p/abc/")]
    [InlineData("Default", "instagram.com/p/abc")]
    [InlineData("Default", "HTTPS://YouTube.com/watch?v=x#t=1")]
    [InlineData("Default", "https://пример.рф/путь")]
    [InlineData("Mentions User Followers", "@some.handle")]
    [InlineData("Subscriptions", "some_handle")]
    public async Task A_web_address_or_a_handle_where_the_type_takes_one_is_accepted(string type, string link)
    {
        var (user, service) = await ArrangeAsync(type: type);

        var order = await PlaceAsync(user, service, link, 100, """{"username": "x", "min": 10, "max": 100, "posts": 5}""");

        Assert.Equal(link, await _panel.ScalarAsync<string>("SELECT link FROM orders WHERE id = $1", order));
    }

    [Fact]
    public async Task A_partial_drip_feed_is_refunded_against_its_total()
    {
        var (user, service) = await ArrangeAsync(rate: 2m, dripfeed: true);
        var order = await PlaceAsync(user, service, "https://instagram.com/p/total", 100, """{"runs": 10, "interval": 5}""");

        await _panel.ScalarAsync<bool>("SELECT fulfillment_finish_order($1, 'partial', 250, NULL, now())", order);

        // 2.00 x 250 / 1000: a quarter of the total was not delivered.
        Assert.Equal(0.5m, await _panel.ScalarAsync<decimal>("SELECT refunded FROM orders WHERE id = $1", order));
        Assert.Equal(998.5m, await _panel.BalanceAsync(user));
        Assert.Equal(await _panel.BalanceAsync(user), await _panel.LedgerSumAsync(user));
    }

    [Fact]
    public async Task A_finished_order_never_leaves_its_terminal_state()
    {
        var (user, service) = await ArrangeAsync();
        var order = await PlaceAsync(user, service, "https://instagram.com/p/final", 100);
        await _panel.ScalarAsync<bool>("SELECT fulfillment_finish_order($1, 'canceled', NULL, NULL, now())", order);

        foreach (var status in new[] { "pending", "in_progress", "completed", "review" })
        {
            await AssertRefusedAsync("order_terminal", () => _panel.ExecuteAsync("UPDATE orders SET status = $2 WHERE id = $1", order, status));
        }
    }

    [Theory]
    [InlineData("quantity = 5000")]
    [InlineData("params = '{\"runs\": 10, \"interval\": 1}'")]
    [InlineData("charge = 0")]
    [InlineData("charged_units = 1")]
    [InlineData("service_id = service_id + 0, user_id = (SELECT max(id) FROM users)")]
    public async Task The_money_columns_of_a_charged_order_cannot_change(string assignment)
    {
        var (user, service) = await ArrangeAsync(dripfeed: true);
        await _panel.CreateUserAsync();
        var order = await PlaceAsync(user, service, "https://instagram.com/p/locked", 100);

        await AssertRefusedAsync("order_locked", () => _panel.ExecuteAsync($"UPDATE orders SET {assignment} WHERE id = $1", order));
        // The link of a pending order may still be corrected.
        await _panel.ExecuteAsync("UPDATE orders SET link = 'https://instagram.com/p/fixed' WHERE id = $1", order);
    }

    [Fact]
    public async Task Release_for_retry_tracks_an_order_the_provider_has_instead_of_sending_it_again()
    {
        var (user, service) = await ArrangeAsync();
        var tracked = await PlaceAsync(user, service, "https://instagram.com/p/known", 100);
        var unusable = await PlaceAsync(user, service, "https://instagram.com/p/unusable", 100);
        await _panel.ExecuteAsync("UPDATE orders SET status = 'review', provider_order_id = '77', error = 'stale' WHERE id = $1", tracked);
        await _panel.ExecuteAsync("UPDATE orders SET status = 'review' WHERE id = $1", unusable);
        await _panel.ExecuteAsync("INSERT INTO order_events (order_id, kind) VALUES ($1, 'accepted_unusable')", unusable);

        await _panel.ExecuteAsync("SELECT release_order($1, 'retry')", tracked);

        Assert.Equal("in_progress", await _panel.ScalarAsync<string>("SELECT status FROM orders WHERE id = $1", tracked));
        Assert.Equal("77", await _panel.ScalarAsync<string>("SELECT provider_order_id FROM orders WHERE id = $1", tracked));
        Assert.True(await _panel.ScalarAsync<bool>("SELECT next_check_at <= now() FROM orders WHERE id = $1", tracked));
        await AssertRefusedAsync("provider_has_order", () => _panel.ExecuteAsync("SELECT release_order($1, 'retry')", unusable));
    }

    [Fact]
    public async Task A_users_notification_carries_a_reason_from_the_vocabulary_and_never_the_operators_error()
    {
        var (user, service) = await ArrangeAsync();
        var order = await PlaceAsync(user, service, "https://instagram.com/p/n", 100);

        await _panel.ScalarAsync<bool>(
            "SELECT fulfillment_finish_order($1, 'failed', NULL, 'Refused by provider acme.example: Not enough funds, balance 3.20 USD', now(), '{}', 'service_unavailable')", order);

        var payload = await _panel.ScalarAsync<string>("SELECT payload::text FROM notifications WHERE order_id = $1", order);
        Assert.Contains("\"reason\": \"service_unavailable\"", payload, StringComparison.Ordinal);
        Assert.DoesNotContain("acme", payload, StringComparison.Ordinal);
        Assert.DoesNotContain("error", payload, StringComparison.Ordinal);
        var other = await PlaceAsync(user, service, "https://instagram.com/p/n2", 100);
        await PostgresAssert.FailsWithCodeAsync("invalid_argument", () => _panel.ScalarAsync<bool>(
            "SELECT fulfillment_finish_order($1, 'failed', NULL, NULL, now(), '{}', 'provider acme said no')", other));
    }
}
