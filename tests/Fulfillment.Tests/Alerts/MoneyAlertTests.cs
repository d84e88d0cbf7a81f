using System.Globalization;
using Fulfillment.Data.Entities;
using Fulfillment.Engine.Jobs;
using Fulfillment.Simulator;
using Fulfillment.Tests.Infrastructure;

namespace Fulfillment.Tests.Alerts;

/// <summary>
/// ReconcileMoney: money that does not add up raises balance_mismatch for each user concerned (the engine never fixes it), and a
/// provider charging off the rate it listed raises cost_mismatch. The ledger's triggers keep balance = ledger sum, so a broken
/// ledger is made by hand here, with the triggers off (the tests connect as a superuser).
/// </summary>
public sealed class MoneyAlertTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private static string Link() => $"https://instagram.com/p/{Guid.NewGuid():N}";

    private static void Delivering(SimulatorSettings s)
    {
        s.SpeedFactor = 100;
        s.PartialProbability = 0;
        s.CanceledProbability = 0;
        s.OverDeliveryProbability = 0;
    }

    [Fact]
    public async Task A_ledger_broken_by_hand_raises_balance_mismatch_for_each_user_concerned_naming_the_order_and_the_engine_changes_nothing()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, Delivering);
        var watch = new AlertWatch(engine);
        var (_, service) = await engine.CreateProviderAndServiceAsync(rate: 2m);
        var (one, two) = (await engine.Panel.CreateUserAsync(deposit: 10m), await engine.Panel.CreateUserAsync(deposit: 10m));
        var (subjectOne, subjectTwo) = (one.ToString(CultureInfo.InvariantCulture), two.ToString(CultureInfo.InvariantCulture));
        var order = await engine.Panel.PlaceOrderAsync(one, service, Link(), 100);
        await engine.Panel.PlaceOrderAsync(two, service, Link(), 100);
        await engine.RunAsync(JobNames.DispatchOrders);
        engine.Clock.Advance(TimeSpan.FromMinutes(2));
        await engine.RunAsync(JobNames.SyncOrderStatus);
        Assert.Equal("completed", await engine.StatusAsync(order));

        await watch.ReconcileMoneyAsync();
        await watch.AssertNoneAsync(AlertKind.BalanceMismatch, subjectOne);
        await watch.AssertNoneAsync(AlertKind.BalanceMismatch, subjectTwo);

        // The first user's charge row says 0.1 less than the order's charge (0.2), and the balance kept it.
        await BreakAsync(engine, "UPDATE ledger SET amount = amount + 0.1 WHERE order_id = $1 AND kind = 'charge'", order);
        var money = await MoneyAsync(engine);
        await watch.ReconcileMoneyAsync();
        var alert = await watch.AssertAsync(AlertKind.BalanceMismatch, AlertSubject.User, subjectOne, rows: 1, open: true);
        await watch.AssertNoneAsync(AlertKind.BalanceMismatch, subjectTwo);
        Assert.Equal(9.8m, alert.Detail.GetProperty("balance").GetDecimal());
        Assert.Equal(9.9m, alert.Detail.GetProperty("ledger_sum").GetDecimal());
        var named = Assert.Single(alert.Detail.GetProperty("orders").EnumerateArray());
        Assert.Equal(order, named.GetProperty("order_id").GetInt64());
        Assert.Equal(0.2m, named.GetProperty("charge").GetDecimal());
        Assert.Equal(0.1m, named.GetProperty("charge_row").GetDecimal());
        Assert.Contains("The engine changes nothing", alert.Message, StringComparison.Ordinal);
        Assert.Equal(money, await MoneyAsync(engine));

        // The second user's balance moved without a ledger row. Each user has an alert of their own.
        await BreakAsync(engine, "UPDATE users SET balance = balance + 5 WHERE id = $1", two);
        money = await MoneyAsync(engine);
        await watch.ReconcileMoneyAsync();
        await watch.ReconcileMoneyAsync();
        var second = await watch.AssertAsync(AlertKind.BalanceMismatch, AlertSubject.User, subjectTwo, rows: 1, open: true);
        Assert.Equal(0, second.Detail.GetProperty("orders").GetArrayLength());
        Assert.Equal(alert.Id, (await watch.AssertAsync(AlertKind.BalanceMismatch, AlertSubject.User, subjectOne, rows: 1, open: true)).Id);
        Assert.Equal(money, await MoneyAsync(engine));

        // Corrected: only that user's alert clears.
        await BreakAsync(engine, "UPDATE ledger SET amount = amount - 0.1 WHERE order_id = $1 AND kind = 'charge'", order);
        await watch.ReconcileMoneyAsync();
        AlertWatch.AssertAt(engine.Clock.GetUtcNow(),
            (await watch.AssertAsync(AlertKind.BalanceMismatch, AlertSubject.User, subjectOne, rows: 1, open: false)).ClearedAt);
        Assert.Equal(second.Id, (await watch.AssertAsync(AlertKind.BalanceMismatch, AlertSubject.User, subjectTwo, rows: 1, open: true)).Id);

        // Broken again, the refund side this time: a new alert.
        await BreakAsync(engine, "UPDATE orders SET refunded = 0.05 WHERE id = $1", order);
        await watch.ReconcileMoneyAsync();
        var again = await watch.AssertAsync(AlertKind.BalanceMismatch, AlertSubject.User, subjectOne, rows: 2, open: true);
        Assert.Equal(0.05m, Assert.Single(again.Detail.GetProperty("orders").EnumerateArray()).GetProperty("refunded").GetDecimal());
    }

    [Fact]
    public async Task A_provider_charging_off_its_listed_rate_on_five_of_the_days_orders_raises_cost_mismatch_which_clears_after_the_day()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, Delivering);
        var watch = new AlertWatch(engine);
        var (provider, service) = await engine.CreateProviderAndServiceAsync(rate: 2m);
        var subject = provider.ToString(CultureInfo.InvariantCulture);
        var user = await engine.Panel.CreateUserAsync(deposit: 100m);
        // The stored list says 0.90 per 1000; from now on the provider charges 1.50.
        await engine.RunAsync(JobNames.SyncProviderServices);
        engine.Simulator.SetRate(1, 1.5m);

        // Four orders off by 67%, one within the tolerance (0.95: 5.6%): not enough.
        await DeliverAsync(engine, user, service, 4);
        engine.Simulator.SetRate(1, 0.95m);
        await DeliverAsync(engine, user, service, 1);
        await watch.ReconcileMoneyAsync();
        await watch.AssertNoneAsync(AlertKind.CostMismatch, subject);

        // The fifth off: raised, the orders counted and sampled.
        engine.Simulator.SetRate(1, 1.5m);
        var fifth = (await DeliverAsync(engine, user, service, 1))[0];
        await watch.ReconcileMoneyAsync();
        var alert = await watch.AssertAsync(AlertKind.CostMismatch, AlertSubject.Provider, subject, rows: 1, open: true);
        Assert.Equal(5, alert.Detail.GetProperty("orders").GetInt32());
        var sample = alert.Detail.GetProperty("sample").EnumerateArray().ToList();
        Assert.Equal(5, sample.Count);
        Assert.Equal(fifth, sample[^1].GetProperty("order_id").GetInt64());
        Assert.Equal(0.15m, sample[^1].GetProperty("charged").GetDecimal());
        Assert.Equal(0.09m, sample[^1].GetProperty("expected").GetDecimal());

        // A day later those orders are no longer the day's: cleared.
        engine.Clock.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));
        await watch.ReconcileMoneyAsync();
        AlertWatch.AssertAt(engine.Clock.GetUtcNow(),
            (await watch.AssertAsync(AlertKind.CostMismatch, AlertSubject.Provider, subject, rows: 1, open: false)).ClearedAt);

        // Five more off: a new alert.
        await DeliverAsync(engine, user, service, 5);
        await watch.ReconcileMoneyAsync();
        await watch.AssertAsync(AlertKind.CostMismatch, AlertSubject.Provider, subject, rows: 2, open: true);
    }

    /// <summary>Orders of 100 placed, sent and completed at the provider, each with the provider's charge recorded.</summary>
    private static async Task<long[]> DeliverAsync(EngineHarness engine, long user, long service, int count)
    {
        var orders = new long[count];
        for (var i = 0; i < count; i++)
        {
            orders[i] = await engine.Panel.PlaceOrderAsync(user, service, Link(), 100);
        }

        await engine.RunAsync(JobNames.DispatchOrders);
        engine.Clock.Advance(TimeSpan.FromMinutes(2));
        await engine.RunAsync(JobNames.SyncOrderStatus);
        Assert.Equal(count, await engine.Panel.ScalarAsync<long>(
            "SELECT count(*) FROM orders WHERE id = ANY($1) AND status = 'completed' AND provider_charge IS NOT NULL", orders));
        return orders;
    }

    /// <summary>Runs one statement with the ledger's and the users' triggers off, as a person repairing (or breaking) data by hand would.</summary>
    private static async Task BreakAsync(EngineHarness engine, string sql, long id)
    {
        await using var connection = await engine.Panel.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var off = new Npgsql.NpgsqlCommand("SET LOCAL session_replication_role = replica", connection, transaction))
        {
            await off.ExecuteNonQueryAsync();
        }

        await using (var command = new Npgsql.NpgsqlCommand(sql, connection, transaction))
        {
            command.Parameters.Add(new() { Value = id });
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        await transaction.CommitAsync();
    }

    /// <summary>Every balance, every ledger row and every order's money: equal before and after means nothing was fixed.</summary>
    private static Task<string> MoneyAsync(EngineHarness engine) => engine.Panel.ScalarAsync<string>("""
        SELECT concat_ws('|',
            (SELECT string_agg(id || ':' || balance, ',' ORDER BY id) FROM users),
            (SELECT string_agg(id || ':' || amount || ':' || balance_after, ',' ORDER BY id) FROM ledger),
            (SELECT string_agg(id || ':' || charge || ':' || refunded, ',' ORDER BY id) FROM orders))
        """);
}
