using Fulfillment.Simulator;
using Npgsql;

namespace Fulfillment.Tests.Infrastructure;

/// <summary>
/// The engine's promises, checked against the simulator's own record and the ledger once every
/// order has settled: no order created twice at the provider, every order terminal or in review
/// with a reason, every balance equal to its ledger sum, every refund as the formula says, once.
/// </summary>
public static class Invariants
{
    /// <returns>Orders by status, for the caller's own expectations.</returns>
    public static Task<Dictionary<string, int>> AssertAllAsync(NpgsqlDataSource db, ProviderSimulator simulator, int orders, string label) =>
        AssertAllAsync(db, [simulator], orders, label);

    /// <param name="simulators">Every provider the orders may have gone to (routes): an order is taken once by all of them together.</param>
    public static async Task<Dictionary<string, int>> AssertAllAsync(NpgsqlDataSource db, IReadOnlyList<ProviderSimulator> simulators, int orders, string label)
    {
        var panel = new Panel(db);
        // No order was taken by the providers twice, at one of them or across them. (An add refused before processing,
        // such as a 429, may be sent again: the record then shows two requests for one created order.)
        var created = simulators.SelectMany(s => s.Orders.CreatedByLink()).GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Sum(kv => kv.Value));
        Assert.All(created, kv => Assert.True(kv.Value <= 1, $"{kv.Key} was accepted {kv.Value} times"));
        var resent = simulators.SelectMany(s => s.Record.AddsByLink()).GroupBy(kv => kv.Key).Count(g => g.Sum(kv => kv.Value) > 1);
        Console.WriteLine($"{label}: {created.Count} orders created at the provider; {resent} links were sent again after a refusal");
        Assert.Equal(orders, await panel.ScalarAsync<long>("SELECT count(*) FROM orders"));

        // Every order is terminal, or in review with a reason.
        Assert.Equal(0L, await panel.ScalarAsync<long>("SELECT count(*) FROM orders WHERE status = 'review' AND coalesce(error, '') = ''"));

        // Balances equal ledger sums.
        Assert.Equal(0L, await panel.ScalarAsync<long>("""
            SELECT count(*) FROM users u
            WHERE u.balance <> (SELECT coalesce(sum(amount), 0) FROM ledger l WHERE l.user_id = u.id)
            """));

        // Refunds are exactly as the formula says, once.
        await using var command = db.CreateCommand("""
            SELECT o.id, o.status, o.charge, o.quantity, o.remains, o.refunded,
                   (SELECT coalesce(sum(amount), 0) FROM ledger l WHERE l.order_id = o.id AND l.kind = 'refund'),
                   (SELECT count(*) FROM ledger l WHERE l.order_id = o.id AND l.kind = 'refund')
            FROM orders o
            """);
        await using var reader = await command.ExecuteReaderAsync();
        var statuses = new Dictionary<string, int>();
        while (await reader.ReadAsync())
        {
            var (id, status, charge, quantity) = (reader.GetInt64(0), reader.GetString(1), reader.GetDecimal(2), reader.GetInt32(3));
            var remains = reader.IsDBNull(4) ? 0L : reader.GetInt64(4);
            var expected = status switch
            {
                "completed" or "review" => 0m,
                "partial" => Math.Floor(charge * Math.Clamp(remains, 0, quantity) / quantity * 1_000_000m) / 1_000_000m,
                _ => charge,
            };
            Assert.True(expected == reader.GetDecimal(5), $"order {id} ({status}) refunded {reader.GetDecimal(5)}, expected {expected}");
            Assert.Equal(reader.GetDecimal(5), reader.GetDecimal(6));
            Assert.True(reader.GetInt64(7) <= 1);
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
        }

        return statuses;
    }
}
