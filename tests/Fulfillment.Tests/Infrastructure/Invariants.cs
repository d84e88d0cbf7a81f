using Fulfillment.Simulator;
using Npgsql;

namespace Fulfillment.Tests.Infrastructure;

/// <summary>
/// The engine's promises, checked against the simulator's own record and the ledger once every
/// order has settled: no order created twice at the provider, every order terminal or in review
/// with a reason, every balance equal to its ledger sum, every refund as the formula says, once.
/// Emulated drip-feeds: every run created once and sent at most once, no money and no notification
/// on a run, a parent's remains and refund as its runs leave them.
/// </summary>
public static class Invariants
{
    /// <summary>
    /// Orders the engine still has work on. Everything else is terminal, in review, or an emulated drip-feed parent that
    /// waits for a person: no run of it is open but one in review, and it creates no further run (its last run exists, or
    /// its last three runs were not delivered).
    /// </summary>
    public const string UnsettledSql = """
        SELECT count(*) FROM orders o
        WHERE o.status NOT IN ('completed', 'partial', 'canceled', 'failed', 'review')
          AND NOT (o.emulated_runs IS NOT NULL AND o.status = 'in_progress'
                   AND NOT EXISTS (SELECT 1 FROM orders r WHERE r.parent_id = o.id AND r.status IN ('pending', 'held', 'dispatching', 'in_progress'))
                   AND EXISTS (SELECT 1 FROM orders r WHERE r.parent_id = o.id AND r.status = 'review')
                   AND ((SELECT max(r.run_number) FROM orders r WHERE r.parent_id = o.id) = o.emulated_runs
                        OR (SELECT count(*) FROM (SELECT r.status FROM orders r WHERE r.parent_id = o.id ORDER BY r.run_number DESC LIMIT 3) t
                            WHERE t.status IN ('failed', 'canceled')) = 3))
        """;

    /// <returns>Orders by status (drip-feed runs not counted), for the caller's own expectations.</returns>
    public static async Task<Dictionary<string, int>> AssertAllAsync(NpgsqlDataSource db, ProviderSimulator simulator, int orders, string label)
    {
        var panel = new Panel(db);
        // No order was taken by the provider twice. (An add refused before processing, such as a 429,
        // may be sent again: the record then shows two requests for one created order.) A drip-feed's runs
        // share its link: the provider took that link at most once per run that was sent.
        var sentRuns = await RunsSentByLinkAsync(db);
        var created = simulator.Orders.CreatedByLink();
        Assert.All(created, kv => Assert.True(kv.Value <= sentRuns.GetValueOrDefault(kv.Key, 1),
            $"{kv.Key} was accepted {kv.Value} times for {sentRuns.GetValueOrDefault(kv.Key, 1)} order(s) sent"));
        var resent = simulator.Record.AddsByLink().Count(kv => kv.Value > sentRuns.GetValueOrDefault(kv.Key, 1));
        Console.WriteLine($"{label}: {created.Count} links taken at the provider; {resent} links were sent again after a refusal");
        Assert.Equal(orders, await panel.ScalarAsync<long>("SELECT count(*) FROM orders WHERE parent_id IS NULL"));
        Assert.Equal(0L, await panel.ScalarAsync<long>(UnsettledSql));

        // Every order is terminal, or in review with a reason.
        Assert.Equal(0L, await panel.ScalarAsync<long>("SELECT count(*) FROM orders WHERE status = 'review' AND coalesce(error, '') = ''"));

        // Balances equal ledger sums.
        Assert.Equal(0L, await panel.ScalarAsync<long>("""
            SELECT count(*) FROM users u
            WHERE u.balance <> (SELECT coalesce(sum(amount), 0) FROM ledger l WHERE l.user_id = u.id)
            """));

        // Refunds are exactly as the formula says, once, measured against the units charged (a drip-feed's quantity × runs).
        await using var command = db.CreateCommand("""
            SELECT o.id, o.status, o.charge, coalesce(o.charged_units, o.quantity), o.remains, o.refunded,
                   (SELECT coalesce(sum(amount), 0) FROM ledger l WHERE l.order_id = o.id AND l.kind = 'refund'),
                   (SELECT count(*) FROM ledger l WHERE l.order_id = o.id AND l.kind = 'refund'),
                   o.parent_id IS NOT NULL
            FROM orders o
            """);
        await using var reader = await command.ExecuteReaderAsync();
        var statuses = new Dictionary<string, int>();
        while (await reader.ReadAsync())
        {
            var (id, status, charge, units) = (reader.GetInt64(0), reader.GetString(1), reader.GetDecimal(2), reader.GetInt64(3));
            var remains = reader.IsDBNull(4) ? 0L : reader.GetInt64(4);
            var expected = status switch
            {
                "partial" => Math.Floor(charge * Math.Clamp(remains, 0, units) / units * 1_000_000m) / 1_000_000m,
                "canceled" or "failed" => charge,
                _ => 0m,
            };
            Assert.True(expected == reader.GetDecimal(5), $"order {id} ({status}) refunded {reader.GetDecimal(5)}, expected {expected}");
            Assert.Equal(reader.GetDecimal(5), reader.GetDecimal(6));
            Assert.True(reader.GetInt64(7) <= 1);
            if (!reader.GetBoolean(8))
            {
                statuses[status] = statuses.GetValueOrDefault(status) + 1;
            }
        }

        await AssertDripFeedsAsync(panel, db);
        return statuses;
    }

    /// <summary>How many runs of each drip-feed link were marked sending (a run deferred after a refusal loses its mark).</summary>
    private static async Task<Dictionary<string, int>> RunsSentByLinkAsync(NpgsqlDataSource db)
    {
        var sent = new Dictionary<string, int>(StringComparer.Ordinal);
        await using var command = db.CreateCommand("SELECT link, count(*) FILTER (WHERE sending_at IS NOT NULL) FROM orders WHERE parent_id IS NOT NULL GROUP BY link");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            sent[reader.GetString(0)] = (int)reader.GetInt64(1);
        }

        return sent;
    }

    /// <summary>
    /// Every run created once (one row per run number, none past the parent's runs), charged nothing, refunded nothing, never
    /// notified; a finished parent's runs all ended, and its remains are what its runs left (a run completed or partial its
    /// remains within 0..quantity, a run failed or canceled all of it, a run never created all of it).
    /// </summary>
    private static async Task AssertDripFeedsAsync(Panel panel, NpgsqlDataSource db)
    {
        Assert.Equal(0L, await panel.ScalarAsync<long>("""
            SELECT count(*) FROM orders r JOIN orders p ON p.id = r.parent_id
            WHERE r.run_number > p.emulated_runs OR r.charge <> 0 OR r.refunded <> 0 OR r.link <> p.link OR r.quantity <> p.quantity OR r.user_id <> p.user_id
            """));
        Assert.Equal(0L, await panel.ScalarAsync<long>("SELECT count(*) FROM (SELECT parent_id, run_number FROM orders WHERE parent_id IS NOT NULL GROUP BY 1, 2 HAVING count(*) > 1) d"));
        Assert.Equal(0L, await panel.ScalarAsync<long>("SELECT count(*) FROM ledger l JOIN orders r ON r.id = l.order_id WHERE r.parent_id IS NOT NULL"));
        Assert.Equal(0L, await panel.ScalarAsync<long>("SELECT count(*) FROM notifications n JOIN orders r ON r.id = n.order_id WHERE r.parent_id IS NOT NULL"));
        await using var command = db.CreateCommand("""
            SELECT p.id, p.status, p.quantity, p.emulated_runs, coalesce(p.remains, -1),
                   count(r.id) FILTER (WHERE r.status NOT IN ('completed', 'partial', 'canceled', 'failed')),
                   coalesce(sum(CASE WHEN r.status IN ('completed', 'partial') THEN least(greatest(coalesce(r.remains, 0), 0), p.quantity)
                                     ELSE p.quantity END), 0) + (p.emulated_runs - count(r.id)) * p.quantity
            FROM orders p LEFT JOIN orders r ON r.parent_id = p.id
            WHERE p.emulated_runs IS NOT NULL AND p.status IN ('completed', 'partial', 'canceled', 'failed')
            GROUP BY p.id
            """);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var (id, status) = (reader.GetInt64(0), reader.GetString(1));
            Assert.True(reader.GetInt64(5) == 0, $"drip-feed order {id} is {status} with {reader.GetInt64(5)} run(s) still open");
            if (status is "completed" or "partial")
            {
                Assert.True(reader.GetInt64(6) == reader.GetInt64(4), $"drip-feed order {id} ({status}) has remains {reader.GetInt64(4)}; its runs leave {reader.GetInt64(6)}");
            }
        }
    }
}
