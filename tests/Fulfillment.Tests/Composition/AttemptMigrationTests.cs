using Fulfillment.Data;
using Fulfillment.Engine.Jobs;
using Fulfillment.Simulator;
using Fulfillment.Tests.Infrastructure;
using Fulfillment.Worker.Cli;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Fulfillment.Tests.Composition;

/// <summary>
/// The upgrade to send attempts while orders are on their way: the migration gives each the attempt its old columns imply
/// (sending_at, route_pinned, route_refusing_since, a provider order id, a review after a lost answer), so the engine that starts
/// on the upgraded database sends none of them a second time.
/// </summary>
public sealed class AttemptMigrationTests(EmptyDatabaseFixture databases) : IClassFixture<EmptyDatabaseFixture>
{
    /// <summary>Each order's attempts: outcome@provider/upstream service/route position, then the provider order id when there is one.</summary>
    private static Task<string?> AttemptsAsync(Panel panel, long order) => panel.ScalarAsync<string?>("""
        SELECT string_agg(outcome || '@' || coalesce(provider_id::text, '-') || '/' || coalesce(provider_service_id, '-') || '/' || route_position
                          || coalesce(' ' || provider_order_id, ''), ',' ORDER BY id)
        FROM order_attempts WHERE order_id = $1
        """, order);

    [Fact]
    public async Task An_upgrade_in_flight_gives_each_order_the_attempt_its_old_columns_imply_and_sends_none_of_them_twice()
    {
        var connectionString = await databases.CreateAsync();
        await using (var context = new PanelDbContext(new DbContextOptionsBuilder<PanelDbContext>().UseNpgsql(connectionString).Options))
        {
            var migrations = context.Database.GetMigrations().ToList();
            var before = migrations[migrations.FindIndex(m => m.EndsWith("_SendAttempts", StringComparison.Ordinal)) - 1];
            Assert.EndsWith("_OrdersPageRoom", before, StringComparison.Ordinal);
            await context.Database.MigrateAsync(before);
        }

        await using var db = NpgsqlDataSource.Create(connectionString);
        var panel = new Panel(db);
        // Route 0 at A (upstream 1), route 1 at B (upstream 7); an engine that is gone held the orders being dispatched.
        const string Provider = "INSERT INTO providers (name, api_url, api_key) VALUES ($1, 'http://127.0.0.1:1/api/v2', 'old') RETURNING id";
        var a = await panel.ScalarAsync<long>(Provider, $"a_{Guid.NewGuid():N}");
        var b = await panel.ScalarAsync<long>(Provider, $"b_{Guid.NewGuid():N}");
        var service = await panel.ScalarAsync<long>("""
            INSERT INTO services (name, type, provider_id, provider_service_id, rate, min, max, dripfeed) VALUES ('s', 'Default', $1, '1', 2, 10, 10000, true) RETURNING id
            """, a);
        await panel.ExecuteAsync("INSERT INTO service_routes (service_id, position, provider_id, provider_service_id) VALUES ($1, 1, $2, '7')", service, b);
        var user = await panel.ScalarAsync<long>("INSERT INTO users (username, email) VALUES ($1, 'someone@example.com') RETURNING id", $"u_{Guid.NewGuid():N}");
        var gone = Guid.NewGuid();
        var links = new Dictionary<string, string>();
        async Task<long> OrderAsync(string name, string columns, string values, params object?[] args)
        {
            links[name] = Compose.Link();
            return await panel.ScalarAsync<long>($"""
                INSERT INTO orders (user_id, service_id, link, quantity, provider_id, updated_at{columns})
                VALUES ($1, $2, $3, 100, $4, now() - interval '1 hour'{values}) RETURNING id
                """, [user, service, links[name], a, .. args]);
        }

        var sent = await OrderAsync("sent", ", status, claimed_by, attempts, sending_at", ", 'dispatching', $5, 1, now() - interval '1 hour'", gone);
        var unsent = await OrderAsync("unsent", ", status, claimed_by, attempts", ", 'dispatching', $5, 1", gone);
        var tracked = await OrderAsync("tracked", ", status, provider_order_id, dispatched_at, next_check_at",
            ", 'in_progress', '9001', now() - interval '1 hour', now() + interval '1 day'");
        var lost = await OrderAsync("lost", ", status, error", ", 'review', 'The answer of provider a was lost (timeout).'");
        await panel.ExecuteAsync("INSERT INTO order_events (order_id, kind, detail) VALUES ($1, 'review', '{\"from\": \"dispatching\"}')", lost);
        var unusable = await OrderAsync("unusable", ", status", ", 'review'");
        await panel.ExecuteAsync("INSERT INTO order_events (order_id, kind, detail) VALUES ($1, 'accepted_unusable', '{\"from\": \"dispatching\"}')", unusable);
        var pinned = await OrderAsync("pinned", ", status, route_pinned, route_position, next_attempt_at", ", 'pending', true, 1, now() - interval '1 minute'");
        await panel.ExecuteAsync("UPDATE orders SET provider_id = $2 WHERE id = $1", pinned, b);
        var refusingSince = new DateTimeOffset(DateTime.UtcNow.AddMinutes(-2).Ticks / 10 * 10, TimeSpan.Zero);
        var refusing = await OrderAsync("refusing", ", status, route_refusing_since, error", ", 'pending', $5, 'refused for now'", refusingSince);
        var parent = await OrderAsync("parent", ", status, emulated_runs, link_key, params, next_attempt_at",
            ", 'in_progress', 3, 'instagram:p/parent', '{\"runs\": 3, \"interval\": 10}', now() + interval '1 day'");

        await SchemaMigrator.MigrateAsync(connectionString, "qrtz_");

        var migrated = new Dictionary<string, string?>();
        foreach (var (name, id) in new[] { ("sent", sent), ("unsent", unsent), ("tracked", tracked), ("lost", lost), ("unusable", unusable), ("pinned", pinned),
                     ("refusing", refusing), ("parent", parent) })
        {
            migrated[name] = await AttemptsAsync(panel, id);
        }

        var sentAsBefore = await panel.ScalarAsync<bool>(
            "SELECT instance = $2 AND sent_at < now() - interval '59 minutes' FROM order_attempts WHERE order_id = $1", sent, gone);
        var refusingAsBefore = await panel.ScalarAsync<bool>(
            "SELECT refusal = 'temporary:other' AND sent_at = $2 FROM order_attempts WHERE order_id = $1", refusing, refusingSince);
        var parentLinkKey = await panel.ScalarAsync<string?>("SELECT link_key FROM orders WHERE id = $1", parent);

        // The engine starts on the upgraded database, its providers answering at last.
        await using var engine = await EngineHarness.StartAsync(connectionString, db, Compose.Steady());
        await using var atB = await ProviderSimulator.StartAsync(new SimulatorSettings { ApiKey = "b-key", Seed = 7 }, engine.Clock);
        await panel.ExecuteAsync("UPDATE providers SET api_url = $2, api_key = $3 WHERE id = $1", a, engine.Simulator.ApiUrl.ToString(), engine.ApiKey);
        await panel.ExecuteAsync("UPDATE providers SET api_url = $2, api_key = 'b-key' WHERE id = $1", b, atB.ApiUrl.ToString());
        await engine.RunAsync(JobNames.DispatchOrders);

        // Marked sending before the upgrade: it may be out, so it goes to review, never sent again.
        Assert.Equal("review", await engine.StatusAsync(sent));
        Assert.Equal($"unknown@{a}/1/0", await AttemptsAsync(panel, sent));
        // Claimed and never marked: provably never sent, so back to pending, and sent once.
        Assert.Equal("in_progress", await engine.StatusAsync(unsent));
        Assert.Equal(1, engine.Simulator.Record.AddCount(links["unsent"]));
        Assert.Equal(1L, await panel.ScalarAsync<long>("SELECT count(*) FROM order_events WHERE order_id = $1 AND kind = 'dispatch_recovered'", unsent));
        // A route that had refused for now is tried again, once.
        Assert.Equal("in_progress", await engine.StatusAsync(refusing));
        Assert.Equal(1, engine.Simulator.Record.AddCount(links["refusing"]));
        // Tracked, in review, or held by a provider after a lost answer: none of them is sent.
        Assert.Equal(("in_progress", "review", "review", "review"), (await engine.StatusAsync(tracked), await engine.StatusAsync(lost),
            await engine.StatusAsync(unusable), await engine.StatusAsync(pinned)));
        foreach (var name in new[] { "sent", "tracked", "lost", "unusable", "pinned", "parent" })
        {
            Assert.Equal((name, 0, 0), (name, engine.Simulator.Record.AddCount(links[name]), atB.Record.AddCount(links[name])));
        }

        // The attempts the migration wrote, as the old columns implied them: at the provider and upstream service of the order's route.
        Assert.Equal($"sending@{a}/1/0", migrated["sent"]);
        Assert.True(sentAsBefore, "the sending attempt keeps the instance and the time of the mark");
        Assert.Null(migrated["unsent"]);
        Assert.Equal($"accepted@{a}/1/0 9001", migrated["tracked"]);
        Assert.Equal($"unknown@{a}/1/0", migrated["lost"]);
        Assert.Equal($"accepted@{a}/1/0", migrated["unusable"]);
        Assert.Equal($"unknown@{b}/7/1", migrated["pinned"]);
        Assert.Equal($"refused@{a}/1/0", migrated["refusing"]);
        // It goes on counting towards failover from when the route began refusing it.
        Assert.True(refusingAsBefore, "the refused attempt dates from route_refusing_since");
        Assert.Null(migrated["parent"]);
        Assert.Null(parentLinkKey);

        // An order the provider accepted with an id the engine cannot use is never sent again, whoever asks.
        await PostgresAssert.FailsWithCodeAsync("provider_has_order", () => panel.ExecuteAsync("SELECT release_order($1, 'retry')", unusable));
    }
}
