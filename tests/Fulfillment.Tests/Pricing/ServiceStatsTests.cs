using Fulfillment.Engine.Jobs;
using Fulfillment.Engine.Pricing.Sql;
using Fulfillment.Tests.Infrastructure;

namespace Fulfillment.Tests.Pricing;

/// <summary>
/// service_stats against a hand computation on a fixed set of finished orders, refreshed incrementally, and its plan on a grown
/// orders table: the job reads each service's latest orders, never the table.
/// </summary>
public sealed class ServiceStatsTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private static readonly DateTimeOffset Start = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    private const string InsertFinished = """
        INSERT INTO orders (user_id, service_id, link, quantity, charge, status, provider_id, provider_order_id, remains, dispatched_at, finished_at,
                            parent_id, run_number, emulated_runs, charged_posts)
        VALUES ($1, $2, 'https://instagram.com/p/x', $3, 0, $4, $5, 'u', $6, $7, $8, $9, $10, $11, $12)
        RETURNING id
        """;

    [Fact]
    public async Task Service_stats_match_a_hand_computation_over_each_services_latest_completed_or_partial_orders_and_refresh_only_on_new_finishes()
    {
        await using var engine = await EngineHarness.StartAsync(fixture);
        var (provider, byQuantity) = await engine.CreateProviderAndServiceAsync();
        var package = await engine.Panel.CreateServiceAsync(provider, 5m, 1, 1, "Package", providerServiceId: "4");
        var activation = await engine.Panel.CreateServiceAsync(provider, 1m, 1, 1, "Activation", providerServiceId: "tg");
        var user = await engine.Panel.CreateUserAsync();

        // Twelve finished orders of the quantity service (quantity, remains, minutes to finish), dispatched an hour apart: the latest ten by
        // finish are counted, so the first two, slow enough to finish after the third to the tenth, are counted and the third and fourth are not.
        (int Quantity, int Remains, int Minutes, string Status)[] orders =
        [
            (1000, 0, 600, "completed"), (1000, 0, 900, "completed"),
            (1000, 0, 60, "completed"), (2000, 0, 100, "completed"), (500, 100, 45, "partial"), (1000, 0, 30, "completed"),
            (3000, 0, 200, "completed"), (1000, 500, 20, "partial"), (100, 0, 5, "completed"), (1000, 0, 90, "completed"),
            (4000, 1000, 240, "partial"), (1000, 0, 75, "completed"),
        ];
        for (var i = 0; i < orders.Length; i++)
        {
            await FinishedAsync(engine, user, byQuantity, provider, orders[i].Quantity, orders[i].Remains, orders[i].Minutes, orders[i].Status, i);
        }

        // What is never counted, each finished after all of the above: a canceled order, one not finished, an emulated drip-feed parent,
        // its run, a subscription, an activation.
        await FinishedAsync(engine, user, byQuantity, provider, 1000, 1000, 1, "canceled", 20);
        await FinishedAsync(engine, user, byQuantity, provider, 1000, 0, 1, "in_progress", 21);
        var parent = await FinishedAsync(engine, user, byQuantity, provider, 1000, 0, 1, "completed", 22, emulatedRuns: 2);
        await FinishedAsync(engine, user, byQuantity, provider, 500, 0, 1, "completed", 23, parent: parent);
        await FinishedAsync(engine, user, byQuantity, provider, 1000, 0, 1, "completed", 24, chargedPosts: 1);
        await FinishedAsync(engine, user, activation, provider, 1, 0, 1, "completed", 25);
        // The package: three orders, quantity 1, measured by time alone.
        foreach (var (minutes, i) in new[] { (30, 30), (60, 31), (120, 32) })
        {
            await FinishedAsync(engine, user, package, provider, 1, 0, minutes, "completed", i);
        }

        await engine.RunAsync(JobNames.UpdateServiceStats);

        var latest = orders.Select((o, i) => (Finished: (i * 60) + o.Minutes, Seconds: o.Minutes * 60.0, Units: (double)(o.Quantity - o.Remains)))
            .OrderByDescending(o => o.Finished).Take(10).ToArray();
        Assert.Equal([2, 3], orders.Select((o, i) => i).Where(i => latest.All(l => l.Finished != (i * 60) + orders[i].Minutes)));
        var expected = (10, Avg(latest.Select(o => o.Seconds)), Percentile90(latest.Select(o => o.Seconds)),
            Avg(latest.Select(o => o.Seconds * 1000 / o.Units)));
        Assert.Equal(expected, await StatsAsync(engine, byQuantity));
        Assert.Equal((3, 4200.0, Percentile90([1800.0, 3600.0, 7200.0]), 4200.0), await StatsAsync(engine, package));
        Assert.Equal(0L, await engine.Panel.ScalarAsync<long>("SELECT count(*) FROM service_stats WHERE service_id = $1", activation));
        var updated = await UpdatedAtAsync(engine, byQuantity);
        Assert.Equal(Now(engine), updated);

        // Nothing finished since: nothing computed again.
        engine.Clock.Advance(TimeSpan.FromMinutes(10));
        await engine.RunAsync(JobNames.UpdateServiceStats);
        Assert.Equal(updated, await UpdatedAtAsync(engine, byQuantity));

        // A new finish: that service alone is computed again, over its latest ten.
        await FinishedAsync(engine, user, byQuantity, provider, 1000, 0, 10, "completed", 40);
        engine.Clock.Advance(TimeSpan.FromMinutes(10));
        await engine.RunAsync(JobNames.UpdateServiceStats);
        var now = latest[..^1].Append((Finished: (40 * 60) + 10, Seconds: 600.0, Units: 1000.0)).ToArray();
        Assert.Equal((10, Avg(now.Select(o => o.Seconds)), Percentile90(now.Select(o => o.Seconds)), Avg(now.Select(o => o.Seconds * 1000 / o.Units))),
            await StatsAsync(engine, byQuantity));
        Assert.Equal(Now(engine), await UpdatedAtAsync(engine, byQuantity));
        Assert.Equal(updated, await UpdatedAtAsync(engine, package));
    }

    [Fact]
    public async Task UpdateServiceStats_reads_only_each_services_latest_orders_of_200000_finished()
    {
        var panel = new Panel(fixture.DataSource);
        var provider = await panel.CreateProviderAsync();
        const int Services = 40;
        var services = new List<long>();
        for (var i = 0; i < Services; i++)
        {
            services.Add(await panel.CreateServiceAsync(provider));
        }

        var user = await panel.CreateUserAsync();
        await panel.ExecuteAsync("""
            INSERT INTO orders (user_id, service_id, link, quantity, charge, status, provider_id, provider_order_id, remains, dispatched_at, finished_at)
            SELECT $1, ($2::bigint[])[1 + g % $3], 'https://instagram.com/p/' || g, 1000, 0, CASE WHEN g % 7 = 0 THEN 'partial' ELSE 'completed' END,
                   $4, g::text, CASE WHEN g % 7 = 0 THEN 100 ELSE 0 END, $5::timestamptz + g * interval '1 second',
                   $5::timestamptz + g * interval '1 second' + (g % 3600) * interval '1 second'
            FROM generate_series(1, 200000) g
            """, user, services.ToArray(), Services, provider, Start);
        await panel.ExecuteAsync("ANALYZE orders");

        // The first refresh computes every service: its latest ten, and a probe or two of each service's latest finish (the database holds
        // the other tests' services too).
        var probes = 2 * await panel.ScalarAsync<long>("SELECT count(*) FROM services");
        var first = await RowsReadAsync(panel);
        Assert.True(first <= probes + (Services * 10), $"the first refresh read {first} order rows for {Services} services");
        Assert.Equal(Services, await panel.ScalarAsync<long>("SELECT count(*) FROM service_stats WHERE service_id = ANY($1)", services.ToArray()));

        // One service with a new finish: one probe per service, and that service's ten.
        await panel.ExecuteAsync("""
            INSERT INTO orders (user_id, service_id, link, quantity, charge, status, provider_id, provider_order_id, remains, dispatched_at, finished_at)
            VALUES ($1, $2, 'https://instagram.com/p/new', 1000, 0, 'completed', $3, 'new', 0, $4::timestamptz + interval '300 days', $4::timestamptz + interval '301 days')
            """, user, services[0], provider, Start);
        var next = await RowsReadAsync(panel);
        Assert.True(next <= probes + 10, $"an incremental refresh read {next} order rows for one service with a new finish");
    }

    /// <summary>The order rows UpdateServiceStats' statement read (EXPLAIN ANALYZE: rows returned and removed, times loops, per scan of orders).</summary>
    private static async Task<double> RowsReadAsync(Panel panel)
    {
        await using var command = panel.DataSource.CreateCommand("EXPLAIN (ANALYZE, FORMAT JSON) " + ServiceStats.Sql);
        command.Parameters.Add(new() { Value = 10 });
        command.Parameters.Add(new() { Value = DateTimeOffset.UtcNow });
        var json = (string)(await command.ExecuteScalarAsync())!;
        using var document = System.Text.Json.JsonDocument.Parse(json);
        var rows = 0.0;
        void Walk(System.Text.Json.JsonElement node)
        {
            if (node.TryGetProperty("Relation Name", out var relation) && relation.GetString() == "orders")
            {
                var removed = node.TryGetProperty("Rows Removed by Filter", out var r) ? r.GetDouble() : 0;
                Assert.True(node.GetProperty("Node Type").GetString() is "Index Scan" or "Index Only Scan", $"orders read by a {node.GetProperty("Node Type")}:\n{json}");
                rows += (node.GetProperty("Actual Rows").GetDouble() + removed) * node.GetProperty("Actual Loops").GetDouble();
            }

            if (node.TryGetProperty("Plans", out var children))
            {
                foreach (var child in children.EnumerateArray())
                {
                    Walk(child);
                }
            }
        }

        Walk(document.RootElement[0].GetProperty("Plan"));
        return rows;
    }

    private static async Task<long> FinishedAsync(EngineHarness engine, long user, long service, long provider, int quantity, int remains, int minutes,
        string status, int index, long? parent = null, int? emulatedRuns = null, int? chargedPosts = null)
    {
        var dispatched = Start.AddHours(index);
        return await engine.Panel.ScalarAsync<long>(InsertFinished, user, service, quantity, status, provider, remains, dispatched,
            status == "in_progress" ? null : dispatched.AddMinutes(minutes), parent, parent is null ? null : 1, emulatedRuns, chargedPosts);
    }

    private static async Task<(int, double, double, double)> StatsAsync(EngineHarness engine, long service)
    {
        await using var command = engine.Panel.DataSource.CreateCommand(
            "SELECT orders_counted, avg_seconds, p90_seconds, avg_seconds_per_1000 FROM service_stats WHERE service_id = $1");
        command.Parameters.Add(new() { Value = service });
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"service {service} has no stats");
        return (reader.GetInt32(0), Round(reader.GetDouble(1)), Round(reader.GetDouble(2)), Round(reader.GetDouble(3)));
    }

    private static Task<DateTime> UpdatedAtAsync(EngineHarness engine, long service) =>
        engine.Panel.ScalarAsync<DateTime>("SELECT updated_at FROM service_stats WHERE service_id = $1", service);

    /// <summary>The engine's clock as PostgreSQL stores it (microseconds).</summary>
    private static DateTime Now(EngineHarness engine)
    {
        var ticks = engine.Clock.GetUtcNow().UtcTicks;
        return new DateTime(ticks - (ticks % 10), DateTimeKind.Utc);
    }

    private static double Avg(IEnumerable<double> values) => Round(values.Average());

    /// <summary>The 90th percentile by linear interpolation between the closest ranks (PostgreSQL's percentile_cont).</summary>
    private static double Percentile90(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        var rank = 0.9 * (sorted.Length - 1);
        var low = (int)Math.Floor(rank);
        var high = (int)Math.Ceiling(rank);
        return Round(sorted[low] + ((rank - low) * (sorted[high] - sorted[low])));
    }

    private static double Round(double value) => Math.Round(value, 3, MidpointRounding.AwayFromZero);
}
