using Fulfillment.Simulator;
using Npgsql;

namespace Fulfillment.Tests.Infrastructure;

/// <summary>
/// The engine's promises, checked against the simulator's own record and the ledger once every
/// order has settled: no order created twice at the provider, every order terminal or in review
/// with a reason, every balance equal to its ledger sum, every refund as the formula says, once. A subscription is
/// refunded by posts, and the posts it counted served are the provider's own count at its end; each finished order
/// told its user once.
/// </summary>
public static class Invariants
{
    /// <returns>Orders by status, for the caller's own expectations.</returns>
    public static async Task<Dictionary<string, int>> AssertAllAsync(NpgsqlDataSource db, ProviderSimulator simulator, int orders, string label)
    {
        var panel = new Panel(db);
        // No order was taken by the provider twice. (An add refused before processing, such as a 429,
        // may be sent again: the record then shows two requests for one created order.)
        var created = simulator.Orders.CreatedByLink();
        Assert.All(created, kv => Assert.True(kv.Value <= 1, $"{kv.Key} was accepted {kv.Value} times"));
        var resent = simulator.Record.AddsByLink().Count(kv => kv.Value > 1);
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
                   (SELECT count(*) FROM ledger l WHERE l.order_id = o.id AND l.kind = 'refund'),
                   o.charged_posts, o.posts_served, o.provider_order_id,
                   (SELECT count(*) FROM notifications n WHERE n.order_id = o.id)
            FROM orders o
            """);
        await using var reader = await command.ExecuteReaderAsync();
        var statuses = new Dictionary<string, int>();
        while (await reader.ReadAsync())
        {
            var (id, status, charge, quantity) = (reader.GetInt64(0), reader.GetString(1), reader.GetDecimal(2), reader.GetInt32(3));
            var remains = reader.IsDBNull(4) ? 0L : reader.GetInt64(4);
            int? posts = reader.IsDBNull(8) ? null : reader.GetInt32(8);
            var served = reader.IsDBNull(9) ? 0 : reader.GetInt32(9);
            var expected = (status, posts) switch
            {
                ("completed" or "review", _) => 0m,
                (_, { } p) => Math.Floor(charge * (p - Math.Clamp(served, 0, p)) / p * 1_000_000m) / 1_000_000m,
                ("partial", _) => Math.Floor(charge * Math.Clamp(remains, 0, quantity) / quantity * 1_000_000m) / 1_000_000m,
                _ => charge,
            };
            if (posts is not null && status is "completed" or "partial" or "canceled" && !reader.IsDBNull(10)
                && long.TryParse(reader.GetString(10), out var upstreamId) && simulator.Orders.Find(upstreamId) is { Subscription: not null } upstream)
            {
                // The last answer came after the end: the count recorded is the provider's final one.
                Assert.True(upstream.PostsServedAt(DateTimeOffset.MaxValue) == served,
                    $"subscription {id} ({status}) counted {served} posts served, the provider {upstream.PostsServedAt(DateTimeOffset.MaxValue)}");
            }

            if (status is "completed" or "partial" or "canceled" or "failed")
            {
                // One notification when it ended (none only for an anonymised account, which these runs do not have).
                Assert.True(reader.GetInt64(11) == 1, $"order {id} ({status}) has {reader.GetInt64(11)} notifications");
            }

            Assert.True(expected == reader.GetDecimal(5), $"order {id} ({status}) refunded {reader.GetDecimal(5)}, expected {expected}");
            Assert.Equal(reader.GetDecimal(5), reader.GetDecimal(6));
            Assert.True(reader.GetInt64(7) <= 1);
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
        }

        return statuses;
    }
}
