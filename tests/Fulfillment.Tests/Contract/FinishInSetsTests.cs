using Fulfillment.Tests.Infrastructure;

namespace Fulfillment.Tests.Contract;

/// <summary>
/// <c>fulfillment_finish_orders</c> finishes a batch as a set: several refund rows for one user in one
/// statement continue the chain, each order is refunded once whatever the batch repeats, and a bad
/// entry changes nothing.
/// </summary>
public sealed class FinishInSetsTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private readonly Panel _panel = new(fixture.DataSource);

    private async Task<(long Service, long[] Users)> SetUpAsync(int users)
    {
        var provider = await _panel.CreateProviderAsync();
        var service = await _panel.CreateServiceAsync(provider, rate: 3m);
        var ids = new long[users];
        for (var i = 0; i < users; i++)
        {
            ids[i] = await _panel.CreateUserAsync(deposit: 100m);
        }

        return (service, ids);
    }

    [Fact]
    public async Task A_batch_over_two_users_refunds_each_order_by_the_rule_and_keeps_every_chain()
    {
        var (service, users) = await SetUpAsync(2);
        // Charges 3.00 each (1000 at 3.00 per 1000); user 0 has three orders, user 1 two.
        var a1 = await _panel.PlaceOrderAsync(users[0], service, "https://x.com/a1", 1000);
        var b1 = await _panel.PlaceOrderAsync(users[1], service, "https://x.com/b1", 1000);
        var a2 = await _panel.PlaceOrderAsync(users[0], service, "https://x.com/a2", 1000);
        var a3 = await _panel.PlaceOrderAsync(users[0], service, "https://x.com/a3", 1000);
        var b2 = await _panel.PlaceOrderAsync(users[1], service, "https://x.com/b2", 1000);

        var finished = await _panel.ScalarAsync<long>("""
            SELECT count(*) FROM fulfillment_finish_orders(
                ARRAY[$1, $2, $3, $4, $5]::bigint[],
                ARRAY['canceled', 'partial', 'completed', 'failed', 'partial'],
                ARRAY[NULL, 250, 0, NULL, 1000]::bigint[],
                ARRAY[NULL, NULL, NULL, 'gone', NULL]::text[],
                now())
            """, a3, a1, a2, b1, b2);

        Assert.Equal(5, finished);
        // user 0: 3.00 (canceled) + 0.75 (partial, 250 of 1000) + 0 (completed); user 1: 3.00 (failed) + 3.00 (partial, nothing delivered).
        Assert.Equal(100m - 9m + 3.75m, await _panel.BalanceAsync(users[0]));
        Assert.Equal(100m - 6m + 6m, await _panel.BalanceAsync(users[1]));
        foreach (var user in users)
        {
            Assert.Equal(await _panel.BalanceAsync(user), await _panel.LedgerSumAsync(user));
        }

        Assert.Equal(4, await _panel.ScalarAsync<long>("SELECT count(*) FROM ledger WHERE kind = 'refund' AND order_id = ANY($1)", new[] { a1, a2, a3, b1, b2 }));
        Assert.Equal("canceled,partial,completed,failed,partial", await _panel.ScalarAsync<string>(
            "SELECT string_agg(status, ',' ORDER BY array_position($1, id)) FROM orders WHERE id = ANY($1)", new[] { a3, a1, a2, b1, b2 }));
        Assert.Equal(5, await _panel.ScalarAsync<long>(
            "SELECT count(*) FROM order_events WHERE order_id = ANY($1) AND kind IN ('canceled', 'partial', 'completed', 'failed')", new[] { a1, a2, a3, b1, b2 }));
        Assert.Equal(5, await _panel.ScalarAsync<long>("SELECT count(*) FROM notifications WHERE order_id = ANY($1)", new[] { a1, a2, a3, b1, b2 }));
        // The chain: every refund row continues the one before it for its user.
        Assert.Equal(0, await _panel.ScalarAsync<long>("""
            SELECT count(*) FROM (
                SELECT balance_after, amount, lag(balance_after) OVER (PARTITION BY user_id ORDER BY id) AS previous FROM ledger WHERE user_id = ANY($1)) c
            WHERE balance_after <> coalesce(previous, 0) + amount
            """, users));
    }

    [Fact]
    public async Task An_order_named_twice_or_already_finished_is_refunded_once()
    {
        var (service, users) = await SetUpAsync(1);
        var done = await _panel.PlaceOrderAsync(users[0], service, "https://x.com/d", 1000);
        var open = await _panel.PlaceOrderAsync(users[0], service, "https://x.com/o", 1000);
        await _panel.ExecuteAsync("SELECT fulfillment_finish_order($1, 'completed', 0, NULL, now())", done);

        var finished = await _panel.ScalarAsync<long>(
            "SELECT count(*) FROM fulfillment_finish_orders(ARRAY[$1, $2, $2]::bigint[], ARRAY['canceled', 'canceled', 'partial'], NULL, NULL, now())", done, open);

        Assert.Equal(1, finished);
        Assert.Equal("completed", await _panel.ScalarAsync<string>("SELECT status FROM orders WHERE id = $1", done));
        Assert.Equal("canceled", await _panel.ScalarAsync<string>("SELECT status FROM orders WHERE id = $1", open));
        Assert.Equal(100m - 3m, await _panel.BalanceAsync(users[0]));
        Assert.Equal(await _panel.BalanceAsync(users[0]), await _panel.LedgerSumAsync(users[0]));
    }

    [Theory]
    [InlineData("invalid_status", "ARRAY['canceled', 'in_progress']")]
    [InlineData("invalid_status", "ARRAY['canceled', NULL]")]
    [InlineData("invalid_argument", "ARRAY['canceled']")]
    [InlineData("invalid_argument", "ARRAY['canceled', 'canceled', 'canceled']", "ARRAY[$1, NULL, $2]::bigint[]")]
    public async Task A_bad_entry_changes_nothing(string code, string statuses, string ids = "ARRAY[$1, $2]::bigint[]")
    {
        var (service, users) = await SetUpAsync(1);
        var a = await _panel.PlaceOrderAsync(users[0], service, "https://x.com/a", 1000);
        var b = await _panel.PlaceOrderAsync(users[0], service, "https://x.com/b", 1000);

        await PostgresAssert.FailsWithCodeAsync(code, () => _panel.ExecuteAsync(
            $"SELECT count(*) FROM fulfillment_finish_orders({ids}, {statuses}::text[], NULL, NULL, now())", a, b));

        Assert.Equal(0, await _panel.ScalarAsync<long>("SELECT count(*) FROM orders WHERE id IN ($1, $2) AND status <> 'pending'", a, b));
        Assert.Equal(100m - 6m, await _panel.BalanceAsync(users[0]));
    }

    [Fact]
    public async Task A_missing_order_changes_nothing()
    {
        var (service, users) = await SetUpAsync(1);
        var a = await _panel.PlaceOrderAsync(users[0], service, "https://x.com/a", 1000);

        await PostgresAssert.FailsWithCodeAsync("order_not_found", () => _panel.ExecuteAsync(
            "SELECT count(*) FROM fulfillment_finish_orders(ARRAY[$1, $2]::bigint[], ARRAY['canceled', 'canceled'], NULL, NULL, now())", a, a + 1_000_000));

        Assert.Equal("pending", await _panel.ScalarAsync<string>("SELECT status FROM orders WHERE id = $1", a));
        Assert.Equal(97m, await _panel.BalanceAsync(users[0]));
    }

    [Fact]
    public async Task A_ledger_row_that_continues_the_chain_without_moving_the_balance_is_refused()
    {
        var (_, users) = await SetUpAsync(1);

        await PostgresAssert.FailsWithCodeAsync("ledger_mismatch", () => _panel.ExecuteAsync(
            "INSERT INTO ledger (user_id, kind, amount, balance_after) VALUES ($1, 'adjustment', 5, 105)", users[0]));

        Assert.Equal(100m, await _panel.BalanceAsync(users[0]));
        Assert.Equal(100m, await _panel.LedgerSumAsync(users[0]));
    }

    [Fact]
    public async Task Overlapping_batches_in_parallel_never_deadlock_and_refund_each_order_once()
    {
        var (service, users) = await SetUpAsync(4);
        var orders = new List<long>();
        for (var i = 0; i < 80; i++)
        {
            orders.Add(await _panel.PlaceOrderAsync(users[i % users.Length], service, $"https://x.com/p{i}", 1000));
        }

        // Eight batches of 30 drawn from the 80 orders, each in its own order: most orders are in several batches.
        var batches = Enumerable.Range(0, 8)
            .Select(seed => orders.OrderBy(o => HashCode.Combine(o, seed)).Take(30).ToArray())
            .ToArray();
        var counts = await Task.WhenAll(batches.Select(batch => Task.Run(() => _panel.ScalarAsync<long>(
            "SELECT count(*) FROM fulfillment_finish_orders($1, array_fill('canceled'::text, ARRAY[cardinality($1)]), NULL, NULL, now())", batch))));

        var named = batches.SelectMany(b => b).Distinct().ToArray();
        Assert.Equal(named.Length, counts.Sum());
        Assert.Equal(named.Length, await _panel.ScalarAsync<long>("SELECT count(*) FROM ledger WHERE kind = 'refund' AND order_id = ANY($1)", named));
        foreach (var user in users)
        {
            Assert.Equal(await _panel.BalanceAsync(user), await _panel.LedgerSumAsync(user));
        }

        Assert.Equal(400m - (orders.Count * 3m) + (named.Length * 3m), (await Task.WhenAll(users.Select(_panel.BalanceAsync))).Sum());
    }

    [Fact]
    public async Task A_raw_ledger_row_waits_for_a_refund_in_flight_and_is_then_refused()
    {
        var (service, users) = await SetUpAsync(1);
        var order = await _panel.PlaceOrderAsync(users[0], service, "https://x.com/r", 1000);
        await using var refunding = await fixture.DataSource.OpenConnectionAsync();
        await using var transaction = await refunding.BeginTransactionAsync();
        await using (var finish = new Npgsql.NpgsqlCommand("SELECT fulfillment_finish_order($1, 'canceled', NULL, NULL, now())", refunding, transaction))
        {
            finish.Parameters.Add(new() { Value = order });
            await finish.ExecuteNonQueryAsync();
        }

        // A zero adjustment that continues the chain as it stood before the refund: it must wait for the
        // refund's transaction and then see that it no longer continues the chain.
        var raw = Task.Run(() => _panel.ExecuteAsync(
            "INSERT INTO ledger (user_id, kind, amount, balance_after) SELECT $1, 'adjustment', 0, balance FROM users WHERE id = $1", users[0]));
        // It is waiting for the refund's lock (seen in pg_stat_activity), not merely slow to start.
        await Poll.UntilAsync(async () => await _panel.ScalarAsync<long>("""
                SELECT count(*) FROM pg_stat_activity
                WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO ledger (user_id, kind, amount, balance_after)%'
                """) == 1,
            TimeSpan.FromSeconds(30), "the raw ledger row to wait for the refund's lock", raw);
        Assert.False(raw.IsCompleted);
        await transaction.CommitAsync();

        await PostgresAssert.FailsWithCodeAsync("ledger_mismatch", () => raw);
        Assert.Equal(100m, await _panel.BalanceAsync(users[0]));
        Assert.Equal(100m, await _panel.LedgerSumAsync(users[0]));
    }
}
