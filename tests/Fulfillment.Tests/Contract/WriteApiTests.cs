using Fulfillment.Tests.Infrastructure;

namespace Fulfillment.Tests.Contract;

/// <summary>Every function of the panel's write API: its happy path and each documented error code, with nothing changed on error.</summary>
public sealed class WriteApiTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private readonly Panel _panel = new(fixture.DataSource);

    private async Task<(long User, long Service)> ArrangeAsync(decimal deposit = 100m, decimal? rate = 2.5m, string type = "Default",
        bool cancel = false, bool refill = false)
    {
        var provider = await _panel.CreateProviderAsync();
        var service = await _panel.CreateServiceAsync(provider, rate: rate, type: type, cancel: cancel, refill: refill);
        var user = await _panel.CreateUserAsync(deposit: deposit);
        return (user, service);
    }

    private async Task AssertFailsAndChangesNothingAsync(string code, Func<Task> call)
    {
        var before = await _panel.SnapshotAsync();
        await PostgresAssert.FailsWithCodeAsync(code, call);
        Assert.Equal(before, await _panel.SnapshotAsync());
    }

    [Fact]
    public async Task Place_order_charges_rate_per_thousand_writes_ledger_and_event()
    {
        var (user, service) = await ArrangeAsync(deposit: 100m, rate: 2.5m);

        var order = await _panel.PlaceOrderAsync(user, service, "https://instagram.com/p/abc", 1234);

        Assert.Equal(3.085m, await _panel.ScalarAsync<decimal>("SELECT charge FROM orders WHERE id = $1", order));
        Assert.Equal("pending", await _panel.ScalarAsync<string>("SELECT status FROM orders WHERE id = $1", order));
        Assert.Equal(96.915m, await _panel.BalanceAsync(user));
        Assert.Equal(-3.085m, await _panel.ScalarAsync<decimal>("SELECT amount FROM ledger WHERE order_id = $1 AND kind = 'charge'", order));
        Assert.Equal(96.915m, await _panel.ScalarAsync<decimal>("SELECT balance_after FROM ledger WHERE order_id = $1", order));
        Assert.Equal(1L, await _panel.ScalarAsync<long>("SELECT count(*) FROM order_events WHERE order_id = $1 AND kind = 'placed'", order));
        Assert.Equal(await _panel.BalanceAsync(user), await _panel.LedgerSumAsync(user));
    }

    [Fact]
    public async Task Place_order_rounds_the_charge_half_away_from_zero_to_six_places()
    {
        var (user, service) = await ArrangeAsync(rate: 0.123457m);

        var order = await _panel.PlaceOrderAsync(user, service, "https://t.me/channel", 333);

        // 0.123457 * 333 / 1000 = 0.041111181
        Assert.Equal(0.041111m, await _panel.ScalarAsync<decimal>("SELECT charge FROM orders WHERE id = $1", order));
    }

    [Fact]
    public async Task Place_order_charges_a_package_its_rate_once()
    {
        var (user, service) = await ArrangeAsync(rate: 7.5m, type: "Package");

        var order = await _panel.PlaceOrderAsync(user, service, "https://youtube.com/watch?v=x", 1);

        Assert.Equal(7.5m, await _panel.ScalarAsync<decimal>("SELECT charge FROM orders WHERE id = $1", order));
    }

    [Fact]
    public async Task Place_order_accepts_an_empty_link_for_an_activation()
    {
        var (user, service) = await ArrangeAsync(rate: 0.5m, type: "Activation");

        var order = await _panel.PlaceOrderAsync(user, service, "", 1, """{"country":"0","service_code":"tg"}""");

        Assert.Equal("tg", await _panel.ScalarAsync<string>("SELECT params->>'service_code' FROM orders WHERE id = $1", order));
    }

    [Fact]
    public async Task Place_order_errors_change_nothing()
    {
        var (user, service) = await ArrangeAsync(deposit: 1m, rate: 2m);
        var provider = await _panel.CreateProviderAsync();
        var disabled = await _panel.CreateServiceAsync(provider, enabled: false);
        var noRate = await _panel.CreateServiceAsync(provider, rate: null);
        var blocked = await _panel.CreateUserAsync(deposit: 10m);
        await _panel.ExecuteAsync("SELECT block_user($1, 'chargeback')", blocked);

        await AssertFailsAndChangesNothingAsync("user_not_found", () => _panel.PlaceOrderAsync(999_999, service, "https://x.com/a", 100));
        await AssertFailsAndChangesNothingAsync("user_not_active", () => _panel.PlaceOrderAsync(blocked, service, "https://x.com/a", 100));
        await AssertFailsAndChangesNothingAsync("service_not_found", () => _panel.PlaceOrderAsync(user, 999_999, "https://x.com/a", 100));
        await AssertFailsAndChangesNothingAsync("service_disabled", () => _panel.PlaceOrderAsync(user, disabled, "https://x.com/a", 100));
        await AssertFailsAndChangesNothingAsync("service_misconfigured", () => _panel.PlaceOrderAsync(user, noRate, "https://x.com/a", 100));
        await AssertFailsAndChangesNothingAsync("quantity_out_of_range", () => _panel.PlaceOrderAsync(user, service, "https://x.com/a", 5));
        await AssertFailsAndChangesNothingAsync("quantity_out_of_range", () => _panel.PlaceOrderAsync(user, service, "https://x.com/a", 10_001));
        await AssertFailsAndChangesNothingAsync("invalid_link", () => _panel.PlaceOrderAsync(user, service, "", 100));
        await AssertFailsAndChangesNothingAsync("invalid_link", () => _panel.PlaceOrderAsync(user, service, "https://x.com/a b", 100));
        await AssertFailsAndChangesNothingAsync("invalid_link", () => _panel.PlaceOrderAsync(user, service, "https://x.com/" + new string('a', 10_000), 100));
        await AssertFailsAndChangesNothingAsync("invalid_params", () => _panel.PlaceOrderAsync(user, service, "https://x.com/a", 100, "[1,2]"));
        await AssertFailsAndChangesNothingAsync("insufficient_balance", () => _panel.PlaceOrderAsync(user, service, "https://x.com/a", 1000));
    }

    [Fact]
    public async Task Deposit_credits_once_per_reference()
    {
        var user = await _panel.CreateUserAsync();

        var first = await _panel.DepositAsync(user, 12.345678m, "pay-1");
        var again = await _panel.DepositAsync(user, 12.345678m, "pay-1");

        Assert.Equal(first, again);
        Assert.Equal(12.345678m, await _panel.BalanceAsync(user));
        Assert.Equal(1L, await _panel.ScalarAsync<long>("SELECT count(*) FROM ledger WHERE reference = 'pay-1'"));
    }

    [Fact]
    public async Task Deposit_errors_change_nothing()
    {
        var user = await _panel.CreateUserAsync();
        var other = await _panel.CreateUserAsync();
        await _panel.DepositAsync(user, 5m, "pay-used");

        await AssertFailsAndChangesNothingAsync("invalid_amount", () => _panel.DepositAsync(user, 0m, "r1"));
        await AssertFailsAndChangesNothingAsync("invalid_amount", () => _panel.DepositAsync(user, -3m, "r2"));
        await AssertFailsAndChangesNothingAsync("invalid_amount", () => _panel.DepositAsync(user, 1.0000001m, "r3"));
        await AssertFailsAndChangesNothingAsync("invalid_reference", () => _panel.DepositAsync(user, 1m, " "));
        await AssertFailsAndChangesNothingAsync("user_not_found", () => _panel.DepositAsync(999_999, 1m, "r4"));
        await AssertFailsAndChangesNothingAsync("reference_conflict", () => _panel.DepositAsync(other, 5m, "pay-used"));
        await AssertFailsAndChangesNothingAsync("reference_conflict", () => _panel.DepositAsync(user, 6m, "pay-used"));
    }

    [Fact]
    public async Task Request_cancel_queues_once_and_notifies()
    {
        var (user, service) = await ArrangeAsync();
        var order = await _panel.PlaceOrderAsync(user, service, "https://x.com/a", 100);

        var first = await _panel.ScalarAsync<long>("SELECT request_cancel($1)", order);
        var again = await _panel.ScalarAsync<long>("SELECT request_cancel($1)", order);

        Assert.Equal(first, again);
        Assert.Equal("pending", await _panel.ScalarAsync<string>("SELECT status FROM order_requests WHERE id = $1", first));
        Assert.Equal("cancel", await _panel.ScalarAsync<string>("SELECT kind FROM order_requests WHERE id = $1", first));
    }

    [Fact]
    public async Task Request_cancel_errors_change_nothing()
    {
        var (user, service) = await ArrangeAsync(cancel: false);
        var started = await _panel.PlaceOrderAsync(user, service, "https://x.com/a", 100);
        await _panel.ExecuteAsync("UPDATE orders SET status = 'in_progress' WHERE id = $1", started);
        var finished = await _panel.PlaceOrderAsync(user, service, "https://x.com/b", 100);
        await _panel.ExecuteAsync("SELECT fulfillment_finish_order($1, 'completed', 0, NULL, now())", finished);
        var inReview = await _panel.PlaceOrderAsync(user, service, "https://x.com/c", 100);
        await _panel.ExecuteAsync("UPDATE orders SET status = 'review' WHERE id = $1", inReview);

        await AssertFailsAndChangesNothingAsync("order_not_found", () => _panel.ScalarAsync<long>("SELECT request_cancel(999999)"));
        await AssertFailsAndChangesNothingAsync("not_cancelable", () => _panel.ScalarAsync<long>("SELECT request_cancel($1)", started));
        await AssertFailsAndChangesNothingAsync("not_cancelable", () => _panel.ScalarAsync<long>("SELECT request_cancel($1)", finished));
        await AssertFailsAndChangesNothingAsync("not_cancelable", () => _panel.ScalarAsync<long>("SELECT request_cancel($1)", inReview));
    }

    [Fact]
    public async Task Request_cancel_of_a_started_order_is_allowed_when_the_service_allows_cancel()
    {
        var (user, service) = await ArrangeAsync(cancel: true);
        var order = await _panel.PlaceOrderAsync(user, service, "https://x.com/a", 100);
        await _panel.ExecuteAsync("UPDATE orders SET status = 'in_progress' WHERE id = $1", order);

        var request = await _panel.ScalarAsync<long>("SELECT request_cancel($1)", order);

        Assert.True(request > 0);
    }

    [Fact]
    public async Task Request_refill_queues_for_a_finished_order_of_a_refill_service()
    {
        var (user, service) = await ArrangeAsync(refill: true);
        var order = await _panel.PlaceOrderAsync(user, service, "https://x.com/a", 100);
        await _panel.ExecuteAsync("SELECT fulfillment_finish_order($1, 'completed', 0, NULL, now())", order);

        var first = await _panel.ScalarAsync<long>("SELECT request_refill($1)", order);
        var again = await _panel.ScalarAsync<long>("SELECT request_refill($1)", order);

        Assert.Equal(first, again);
        Assert.Equal("refill", await _panel.ScalarAsync<string>("SELECT kind FROM order_requests WHERE id = $1", first));
    }

    [Fact]
    public async Task Request_refill_errors_change_nothing()
    {
        var (user, refillable) = await ArrangeAsync(refill: true);
        var provider = await _panel.CreateProviderAsync();
        var plain = await _panel.CreateServiceAsync(provider, refill: false);
        var running = await _panel.PlaceOrderAsync(user, refillable, "https://x.com/a", 100);
        var noRefill = await _panel.PlaceOrderAsync(user, plain, "https://x.com/b", 100);
        await _panel.ExecuteAsync("SELECT fulfillment_finish_order($1, 'completed', 0, NULL, now())", noRefill);

        await AssertFailsAndChangesNothingAsync("order_not_found", () => _panel.ScalarAsync<long>("SELECT request_refill(999999)"));
        await AssertFailsAndChangesNothingAsync("not_refillable", () => _panel.ScalarAsync<long>("SELECT request_refill($1)", running));
        await AssertFailsAndChangesNothingAsync("not_refillable", () => _panel.ScalarAsync<long>("SELECT request_refill($1)", noRefill));
    }

    [Fact]
    public async Task Block_user_blocks_with_reason_and_is_idempotent()
    {
        var user = await _panel.CreateUserAsync(deposit: 5m);

        await _panel.ExecuteAsync("SELECT block_user($1, 'chargeback')", user);
        await _panel.ExecuteAsync("SELECT block_user($1, 'chargeback again')", user);

        Assert.Equal("blocked", await _panel.ScalarAsync<string>("SELECT status FROM users WHERE id = $1", user));
        Assert.Equal("chargeback", await _panel.ScalarAsync<string>("SELECT blocked_reason FROM users WHERE id = $1", user));
        Assert.Equal(5m, await _panel.BalanceAsync(user));
    }

    [Fact]
    public async Task Block_user_errors_change_nothing()
    {
        var user = await _panel.CreateUserAsync();
        var deleted = await _panel.CreateUserAsync();
        await _panel.ExecuteAsync("UPDATE users SET status = 'deleted', deleted_at = now() WHERE id = $1", deleted);

        await AssertFailsAndChangesNothingAsync("invalid_reason", () => _panel.ExecuteAsync("SELECT block_user($1, '')", user));
        await AssertFailsAndChangesNothingAsync("user_not_found", () => _panel.ExecuteAsync("SELECT block_user(999999, 'fraud')"));
        await AssertFailsAndChangesNothingAsync("user_not_active", () => _panel.ExecuteAsync("SELECT block_user($1, 'fraud')", deleted));
    }

    [Fact]
    public async Task Request_erasure_records_one_open_request()
    {
        var user = await _panel.CreateUserAsync();

        var first = await _panel.ScalarAsync<long>("SELECT request_erasure($1)", user);
        var again = await _panel.ScalarAsync<long>("SELECT request_erasure($1)", user);

        Assert.Equal(first, again);
        Assert.Equal(1L, await _panel.ScalarAsync<long>("SELECT count(*) FROM erasure_requests WHERE user_id = $1 AND completed_at IS NULL", user));
        await AssertFailsAndChangesNothingAsync("user_not_found", () => _panel.ScalarAsync<long>("SELECT request_erasure(999999)"));
    }

    [Fact]
    public async Task Release_order_retry_puts_a_review_order_back_to_pending()
    {
        var (user, service) = await ArrangeAsync();
        var order = await _panel.PlaceOrderAsync(user, service, "https://x.com/a", 100);
        await _panel.ExecuteAsync("UPDATE orders SET status = 'review', error = 'answer lost' WHERE id = $1", order);

        await _panel.ExecuteAsync("SELECT release_order($1, 'retry')", order);

        Assert.Equal("pending", await _panel.ScalarAsync<string>("SELECT status FROM orders WHERE id = $1", order));
        Assert.Equal(0m, await _panel.ScalarAsync<decimal>("SELECT refunded FROM orders WHERE id = $1", order));
    }

    [Fact]
    public async Task Release_order_refund_cancels_with_a_full_refund_once()
    {
        var (user, service) = await ArrangeAsync(deposit: 10m, rate: 2m);
        var order = await _panel.PlaceOrderAsync(user, service, "https://x.com/a", 1000);
        await _panel.ExecuteAsync("UPDATE orders SET status = 'review' WHERE id = $1", order);

        await _panel.ExecuteAsync("SELECT release_order($1, 'refund')", order);
        await PostgresAssert.FailsWithCodeAsync("not_in_review", () => _panel.ExecuteAsync("SELECT release_order($1, 'refund')", order));

        Assert.Equal("canceled", await _panel.ScalarAsync<string>("SELECT status FROM orders WHERE id = $1", order));
        Assert.Equal(10m, await _panel.BalanceAsync(user));
        Assert.Equal(1L, await _panel.ScalarAsync<long>("SELECT count(*) FROM ledger WHERE order_id = $1 AND kind = 'refund'", order));
        Assert.Equal(1L, await _panel.ScalarAsync<long>("SELECT count(*) FROM notifications WHERE order_id = $1 AND kind = 'order_canceled'", order));
        Assert.Equal(await _panel.BalanceAsync(user), await _panel.LedgerSumAsync(user));
    }

    [Fact]
    public async Task Release_order_errors_change_nothing()
    {
        var (user, service) = await ArrangeAsync();
        var pending = await _panel.PlaceOrderAsync(user, service, "https://x.com/a", 100);
        var inReview = await _panel.PlaceOrderAsync(user, service, "https://x.com/b", 100);
        await _panel.ExecuteAsync("UPDATE orders SET status = 'review' WHERE id = $1", inReview);

        await AssertFailsAndChangesNothingAsync("order_not_found", () => _panel.ExecuteAsync("SELECT release_order(999999, 'retry')"));
        await AssertFailsAndChangesNothingAsync("invalid_action", () => _panel.ExecuteAsync("SELECT release_order($1, 'delete')", inReview));
        await AssertFailsAndChangesNothingAsync("not_in_review", () => _panel.ExecuteAsync("SELECT release_order($1, 'retry')", pending));
    }
}
