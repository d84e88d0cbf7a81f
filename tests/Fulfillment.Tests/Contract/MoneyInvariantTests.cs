using Fulfillment.Tests.Infrastructure;

namespace Fulfillment.Tests.Contract;

/// <summary>The database itself keeps balance = ledger sum, one charge and one refund per order, and the partial-refund rule.</summary>
public sealed class MoneyInvariantTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private readonly Panel _panel = new(fixture.DataSource);

    [Fact]
    public async Task A_direct_balance_update_is_refused_at_commit()
    {
        var user = await _panel.CreateUserAsync(deposit: 5m);

        await PostgresAssert.FailsWithCodeAsync("balance_mismatch", () => _panel.ExecuteAsync("UPDATE users SET balance = balance + 10 WHERE id = $1", user));

        Assert.Equal(5m, await _panel.BalanceAsync(user));
    }

    [Fact]
    public async Task A_user_inserted_with_a_balance_is_refused()
    {
        await PostgresAssert.FailsWithCodeAsync("balance_mismatch",
            () => _panel.ExecuteAsync("INSERT INTO users (username, balance) VALUES ('rich', 100)"));
    }

    [Fact]
    public async Task Ledger_rows_cannot_be_changed_or_deleted()
    {
        var user = await _panel.CreateUserAsync(deposit: 5m);

        await PostgresAssert.FailsWithCodeAsync("ledger_immutable", () => _panel.ExecuteAsync("UPDATE ledger SET amount = 50 WHERE user_id = $1", user));
        await PostgresAssert.FailsWithCodeAsync("ledger_immutable", () => _panel.ExecuteAsync("DELETE FROM ledger WHERE user_id = $1", user));
    }

    [Fact]
    public async Task A_ledger_row_that_does_not_continue_the_chain_is_refused()
    {
        var user = await _panel.CreateUserAsync(deposit: 5m);

        await PostgresAssert.FailsWithCodeAsync("ledger_mismatch", () => _panel.ExecuteAsync(
            "INSERT INTO ledger (user_id, kind, amount, balance_after) VALUES ($1, 'adjustment', 1, 99)", user));
    }

    [Fact]
    public async Task A_second_refund_row_for_an_order_is_refused_by_the_database()
    {
        var provider = await _panel.CreateProviderAsync();
        var service = await _panel.CreateServiceAsync(provider, rate: 1m);
        var user = await _panel.CreateUserAsync(deposit: 10m);
        var order = await _panel.PlaceOrderAsync(user, service, "https://x.com/a", 1000);
        await _panel.ExecuteAsync("SELECT fulfillment_finish_order($1, 'canceled', NULL, NULL, now())", order);

        var ex = await Assert.ThrowsAsync<Npgsql.PostgresException>(() =>
            _panel.ExecuteAsync("SELECT fulfillment_post_ledger($1, $2, 'refund', 1, NULL)", user, order));

        Assert.Equal("23505", ex.SqlState);
        Assert.Equal(10m, await _panel.BalanceAsync(user));
    }

    [Fact]
    public async Task A_second_charge_row_for_an_order_is_refused_by_the_database()
    {
        var provider = await _panel.CreateProviderAsync();
        var service = await _panel.CreateServiceAsync(provider, rate: 1m);
        var user = await _panel.CreateUserAsync(deposit: 10m);
        var order = await _panel.PlaceOrderAsync(user, service, "https://x.com/a", 1000);

        var ex = await Assert.ThrowsAsync<Npgsql.PostgresException>(() =>
            _panel.ExecuteAsync("SELECT fulfillment_post_ledger($1, $2, 'charge', -1, NULL)", user, order));

        Assert.Equal("23505", ex.SqlState);
        Assert.Equal("ux_ledger_one_charge_per_order", ex.ConstraintName);
        Assert.Equal(9m, await _panel.BalanceAsync(user));
    }

    [Fact]
    public async Task Finishing_an_order_twice_refunds_once()
    {
        var provider = await _panel.CreateProviderAsync();
        var service = await _panel.CreateServiceAsync(provider, rate: 3m);
        var user = await _panel.CreateUserAsync(deposit: 10m);
        var order = await _panel.PlaceOrderAsync(user, service, "https://x.com/a", 1000);

        var first = await _panel.ScalarAsync<bool>("SELECT fulfillment_finish_order($1, 'partial', 250, NULL, now())", order);
        var second = await _panel.ScalarAsync<bool>("SELECT fulfillment_finish_order($1, 'canceled', NULL, NULL, now())", order);

        Assert.True(first);
        Assert.False(second);
        Assert.Equal(0.75m, await _panel.ScalarAsync<decimal>("SELECT refunded FROM orders WHERE id = $1", order));
        Assert.Equal(7.75m, await _panel.BalanceAsync(user));
        Assert.Equal(await _panel.BalanceAsync(user), await _panel.LedgerSumAsync(user));
    }

    [Theory]
    [InlineData("1.000000", 157, 1000, "0.157000")]
    [InlineData("0.333333", 1, 3, "0.111111")]
    [InlineData("0.100000", 2, 3, "0.066666")] // 0.0666666.. rounds down, never up
    [InlineData("5.000000", -20, 100, "0.000000")] // over-delivery: remains clamped to 0
    [InlineData("5.000000", 500, 100, "5.000000")] // remains above quantity: clamped to quantity
    public async Task Partial_refund_is_charge_times_clamped_remains_over_quantity_rounded_down(string charge, long remains, int quantity, string expected)
    {
        var refund = await _panel.ScalarAsync<decimal>("SELECT fulfillment_partial_refund($1::numeric, $2, $3)", charge, remains, quantity);

        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), refund);
    }
}
