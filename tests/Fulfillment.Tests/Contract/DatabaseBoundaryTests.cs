using Fulfillment.Engine.Jobs;
using Fulfillment.Tests.Infrastructure;
using Fulfillment.Worker.Cli;
using Npgsql;

namespace Fulfillment.Tests.Contract;

/// <summary>
/// The database is the security boundary between the panel and the engine. From an empty database:
/// deploy/engine-role.sql, `migrate` as the owner, the role script again; then the panel role signs in
/// and tries every bypass (each fails with a clear error and changes nothing) and runs its legitimate
/// flow, and the engine runs its whole lifecycle as the engine role.
/// </summary>
public sealed class DatabaseBoundaryTests(EmptyDatabaseFixture databases, DatabaseFixture migrated)
    : IClassFixture<EmptyDatabaseFixture>, IClassFixture<DatabaseFixture>
{
    /// <summary>
    /// Per-function settings: the held-order release trigger's lookup runs with sorts off, so a whole scan of
    /// another index plus a sort never wins over the held queue's own index (Sql/triggers/orders_release_held.sql);
    /// the partition helpers bound their wait for a lock on order_events.
    /// </summary>
    private static readonly Dictionary<string, string> PlannerSettings = new(StringComparer.Ordinal)
    {
        ["fulfillment_release_held"] = "enable_sort=off",
        ["fulfillment_add_event_partitions"] = "lock_timeout=5s",
        ["fulfillment_drop_event_partitions"] = "lock_timeout=5s",
    };

    /// <summary>
    /// Engine helpers that run with the owner's rights: the engine's role has no DDL, and these add and drop the month
    /// partitions of order_events, nothing else.
    /// </summary>
    private static readonly string[] OwnerRightsHelpers = ["fulfillment_add_event_partitions", "fulfillment_drop_event_partitions"];

    [Fact]
    public async Task Every_function_pins_its_search_path_the_write_api_runs_as_its_owner_and_nothing_is_public()
    {
        var panel = new Panel(migrated.DataSource);
        var functions = await panel.ScalarAsync<string>("""
            SELECT string_agg(format('%s|%s|%s|%s', p.proname, p.prosecdef, coalesce(array_to_string(p.proconfig, ';'), ''),
                              has_function_privilege('public', p.oid, 'EXECUTE')), E'\n' ORDER BY p.proname)
            FROM pg_proc p WHERE p.pronamespace = current_schema()::regnamespace
            """);

        foreach (var line in functions.Split('\n'))
        {
            var parts = line.Split('|');
            var (name, definer, config, publicExecute) = (parts[0], parts[1] == "t", parts[2], parts[3] == "t");
            // The pinned search path, and nothing else but a planner setting a migration gave one function on purpose.
            var settings = config.Split(';').Where(c => !(PlannerSettings.TryGetValue(name, out var allowed) && c == allowed)).ToList();
            Assert.True(settings is ["search_path=pg_catalog, public, pg_temp"], $"{name}: settings are '{config}'");
            Assert.True(definer == (PanelContract.WriteApi.Contains(name) || OwnerRightsHelpers.Contains(name)), $"{name}: SECURITY DEFINER is {definer}");
            Assert.False(publicExecute, $"{name}: PUBLIC may execute it");
        }

        Assert.Contains("place_order|", functions, StringComparison.Ordinal);
    }

    [Fact]
    public async Task From_an_empty_database_the_panel_role_cannot_move_money_and_the_engine_runs_as_the_engine_role()
    {
        var admin = await databases.CreateAsync();
        var roles = Roles.Fresh();
        try
        {
            await RoleScript.RunAsync(admin, roles);
            await SchemaMigrator.MigrateAsync(As(admin, roles.Owner, roles.Password), "qrtz_");

            await RoleScript.RunAsync(admin, roles);

            await using var panelDb = NpgsqlDataSource.Create(As(admin, roles.Panel, roles.Password));
            var panel = new Panel(panelDb);
            await using var adminDb = NpgsqlDataSource.Create(admin);
            var god = new Panel(adminDb);
            await PanelBypassesFailAsync(panel, god);
            await PanelAndEngineLifecycleAsync(admin, roles, panel, god);
        }
        finally
        {
            await RoleScript.DropAsync(admin, roles);
        }
    }

    private static string As(string admin, string role, string password) => RoleScript.As(admin, role, password);

    private static async Task PanelBypassesFailAsync(Panel panel, Panel god)
    {
        var user = await panel.ScalarAsync<long>("INSERT INTO users (username, email) VALUES ('victim', 'v@example.com') RETURNING id");
        var other = await panel.ScalarAsync<long>("INSERT INTO users (username, email) VALUES ('other', 'o@example.com') RETURNING id");
        var provider = await panel.ScalarAsync<long>("INSERT INTO providers (name, api_url, api_key) VALUES ('up', 'https://up.example/api/v2', 'k') RETURNING id");
        var service = await panel.ScalarAsync<long>(
            "INSERT INTO services (name, provider_id, provider_service_id, rate, min, max) VALUES ('s', $1, '1', 1.0, 10, 1000) RETURNING id", provider);
        await panel.ScalarAsync<long>("SELECT deposit($1, 10, 'stripe:pi_1')", user);
        var order = await panel.ScalarAsync<long>("SELECT place_order($1, $2, 'https://instagram.com/p/x', 100)", user, service);

        async Task Refused(string expected, string sql, params object[] args)
        {
            var before = await god.SnapshotAsync();
            var ex = await Assert.ThrowsAsync<PostgresException>(() => panel.ExecuteAsync(sql, args));
            Assert.Contains(expected, ex.MessageText, StringComparison.Ordinal);
            Assert.Equal(before, await god.SnapshotAsync());
        }

        await Refused("permission denied for table ledger",
            "INSERT INTO ledger (user_id, kind, amount, balance_after) VALUES ($1, 'adjustment', 1000, 1009.9)", user);
        await Refused("permission denied for table users", "UPDATE users SET balance = 1000 WHERE id = $1", user);
        await Refused("permission denied for table users", "INSERT INTO users (username, balance) VALUES ('rich', 1000)");
        await Refused("permission denied for table orders", "UPDATE orders SET status = 'canceled' WHERE id = $1", order);
        await Refused("permission denied for table orders", "UPDATE orders SET refunded = charge WHERE id = $1", order);
        await Refused("permission denied for table orders", "INSERT INTO orders (user_id, service_id, link, quantity) VALUES ($1, $2, 'https://x.example/p', 100)", user, service);
        await Refused("permission denied for function fulfillment_finish_order",
            "SELECT fulfillment_finish_order($1, 'canceled', NULL, NULL, now())", order);
        await Refused("permission denied for function fulfillment_post_ledger",
            "SELECT fulfillment_post_ledger($1, NULL, 'adjustment', 1000, NULL)", user);
        await Refused("permission denied for schema public",
            "CREATE FUNCTION deposit(bigint, integer, text) RETURNS bigint LANGUAGE sql AS 'SELECT 1::bigint'");
        await Refused("reference_conflict", "SELECT deposit($1, 10, 'stripe:pi_1')", other);
        await Refused("permission denied for table providers", "UPDATE providers SET last_error = NULL, balance = 1 WHERE id = $1", provider);

        // Temporary tables named like the engine's are never what its functions write.
        await using (var connection = await panel.DataSource.OpenConnectionAsync())
        {
            await using var shadow = new NpgsqlCommand("""
                CREATE TEMP TABLE users (id bigint, balance numeric, status text);
                CREATE TEMP TABLE ledger (id bigint, user_id bigint, amount numeric);
                INSERT INTO pg_temp.users VALUES (1, 1000000, 'active');
                """, connection);
            await shadow.ExecuteNonQueryAsync();
            await using var deposit = new NpgsqlCommand($"SELECT deposit({user}, 5, 'stripe:pi_2')", connection);
            await deposit.ExecuteScalarAsync();
            await using var temp = new NpgsqlCommand("SELECT count(*) FROM pg_temp.ledger", connection);
            Assert.Equal(0L, (long)(await temp.ExecuteScalarAsync())!);
        }

        Assert.Equal(15m - 0.1m, await god.BalanceAsync(user));
        Assert.Equal(await god.BalanceAsync(user), await god.LedgerSumAsync(user));
        // Out of the way of the engine's jobs below: its address does not exist.
        await panel.ExecuteAsync("UPDATE providers SET enabled = false WHERE id = $1", provider);
    }

    /// <summary>The panel's orders, users and provider for the engine's lifecycle as the engine role.</summary>
    private sealed record PanelScene(long Provider, long Buyer, long Blocked, long Leaving, long Delivered, long Canceled, long Reviewed, long OfBlocked, long DripFed);

    private static async Task PanelAndEngineLifecycleAsync(string admin, Roles roles, Panel panel, Panel god)
    {
        await using var engine = await EngineHarness.StartAsync(As(admin, roles.Engine, roles.Password), panel.DataSource,
            s => { s.PartialProbability = 0; s.CanceledProbability = 0; s.RefillRejectProbability = 0; });
        var scene = await ArrangeAsThePanelAsync(engine, panel, god);

        await RunEveryJobAsync(engine);

        await AssertEveryOrderEndedAsThePanelAskedAsync(engine, god, scene);
        await AssertARefillIsSentAndEveryBalanceIsItsLedgerAsync(engine, panel, god, scene);
        await AlertsAsync(panel, god, engine, scene.Provider);
        await AssertTheEngineRoleHasNoDdlAndNoWriteApiAsync(As(admin, roles.Engine, roles.Password), scene.Buyer);
    }

    /// <summary>As the panel role: a provider and two services (one an emulated drip-feed), three users and their orders, a cancel, a block, an erasure, a release.</summary>
    private static async Task<PanelScene> ArrangeAsThePanelAsync(EngineHarness engine, Panel panel, Panel god)
    {
        var provider = await panel.ScalarAsync<long>("INSERT INTO providers (name, api_url, api_key) VALUES ('sim', $1, $2) RETURNING id",
            engine.Simulator.ApiUrl.ToString(), engine.Simulator.Settings.ApiKey);
        var service = await panel.ScalarAsync<long>("""
            INSERT INTO services (name, provider_id, provider_service_id, rate, min, max, cancel, refill) VALUES ('likes', $1, '1', 2.0, 10, 10000, true, true)
            RETURNING id
            """, provider);
        // A drip-feed the engine runs itself: the panel chooses the mode, the engine (as its own role) creates the runs.
        var drip = await panel.ScalarAsync<long>("""
            INSERT INTO services (name, provider_id, provider_service_id, rate, min, max, dripfeed, dripfeed_mode)
            VALUES ('drip', $1, '3', 2.0, 10, 10000, true, 'emulated') RETURNING id
            """, provider);
        var buyer = await panel.ScalarAsync<long>("INSERT INTO users (username, email) VALUES ('buyer', 'b@example.com') RETURNING id");
        var blocked = await panel.ScalarAsync<long>("INSERT INTO users (username, email) VALUES ('fraud', 'f@example.com') RETURNING id");
        var leaving = await panel.ScalarAsync<long>("INSERT INTO users (username, email) VALUES ('leaving', 'l@example.com') RETURNING id");
        foreach (var (user, reference) in new[] { (buyer, "stripe:pi_b"), (blocked, "stripe:pi_f"), (leaving, "stripe:pi_l") })
        {
            await panel.ScalarAsync<long>("SELECT deposit($1, 20, $2)", user, reference);
        }

        var delivered = await panel.ScalarAsync<long>("SELECT place_order($1, $2, 'https://instagram.com/p/delivered', 1000)", buyer, service);
        var canceled = await panel.ScalarAsync<long>("SELECT place_order($1, $2, 'https://instagram.com/p/canceled', 1000)", buyer, service);
        var reviewed = await panel.ScalarAsync<long>("SELECT place_order($1, $2, 'https://instagram.com/p/reviewed', 1000)", buyer, service);
        var ofBlocked = await panel.ScalarAsync<long>("SELECT place_order($1, $2, 'https://instagram.com/p/blocked', 1000)", blocked, service);
        var dripFed = await panel.ScalarAsync<long>("""SELECT place_order($1, $2, 'https://instagram.com/p/drip', 100, '{"runs": 2, "interval": 1}')""", buyer, drip);
        await panel.ScalarAsync<long>("SELECT request_cancel($1)", canceled);
        await panel.ExecuteAsync("SELECT block_user($1, 'chargeback')", blocked);
        await panel.ScalarAsync<long>("SELECT request_erasure($1)", leaving);
        await god.ExecuteAsync("UPDATE orders SET status = 'review', error = 'answer lost' WHERE id = $1", reviewed);
        await panel.ExecuteAsync("SELECT release_order($1, 'refund')", reviewed);
        return new PanelScene(provider, buyer, blocked, leaving, delivered, canceled, reviewed, ofBlocked, dripFed);
    }

    /// <summary>Every job once, as the engine role; the status-side ones ten minutes later.</summary>
    private static async Task RunEveryJobAsync(EngineHarness engine)
    {
        foreach (var job in new[] { JobNames.ProcessOrderRequests, JobNames.DispatchOrders, JobNames.CheckProviderBalances, JobNames.SyncProviderServices })
        {
            await engine.RunAsync(job);
        }

        engine.Clock.Advance(TimeSpan.FromMinutes(10));
        foreach (var job in new[] { JobNames.SyncOrderStatus, JobNames.ResolveConflicts, JobNames.PurgeExpiredData, JobNames.Heartbeat, JobNames.MaintainPartitions })
        {
            await engine.RunAsync(job);
        }
    }

    private static async Task AssertEveryOrderEndedAsThePanelAskedAsync(EngineHarness engine, Panel god, PanelScene scene)
    {
        Assert.Equal("completed", await engine.StatusAsync(scene.Delivered));
        Assert.Equal("canceled", await engine.StatusAsync(scene.Canceled));
        Assert.Equal("canceled", await engine.StatusAsync(scene.Reviewed));
        Assert.Equal("canceled", await engine.StatusAsync(scene.OfBlocked));
        Assert.Equal(18m - 0.4m, await god.BalanceAsync(scene.Buyer));
        Assert.Equal(1L, await god.ScalarAsync<long>("SELECT count(*) FROM orders WHERE parent_id = $1", scene.DripFed));
        Assert.Equal(1, engine.Simulator.Record.AddCount("https://instagram.com/p/drip"));
        Assert.Equal(0m, await god.BalanceAsync(scene.Blocked));
        Assert.Equal($"erased:{scene.Leaving}", await god.ScalarAsync<string>("SELECT username FROM users WHERE id = $1", scene.Leaving));
        Assert.True(await god.ScalarAsync<bool>("SELECT balance IS NOT NULL FROM providers WHERE id = $1", scene.Provider));
        Assert.Equal(1, engine.Simulator.Record.AddCount("https://instagram.com/p/delivered"));
    }

    private static async Task AssertARefillIsSentAndEveryBalanceIsItsLedgerAsync(EngineHarness engine, Panel panel, Panel god, PanelScene scene)
    {
        var refill = await panel.ScalarAsync<long>("SELECT request_refill($1)", scene.Delivered);
        await engine.RunAsync(JobNames.ProcessOrderRequests);
        Assert.Equal("sent", await god.ScalarAsync<string>("SELECT status FROM order_requests WHERE id = $1", refill));
        Assert.Equal(1, await panel.ExecuteAsync("UPDATE notifications SET sent_at = now() WHERE order_id = $1", scene.Delivered));
        foreach (var user in new[] { scene.Buyer, scene.Blocked, scene.Leaving })
        {
            Assert.Equal(await god.BalanceAsync(user), await god.LedgerSumAsync(user));
        }
    }

    /// <summary>The engine does what the engine does and no more: no DDL, not the panel's write API.</summary>
    private static async Task AssertTheEngineRoleHasNoDdlAndNoWriteApiAsync(string asEngineRole, long buyer)
    {
        await using var engineDb = NpgsqlDataSource.Create(asEngineRole);
        var asEngine = new Panel(engineDb);
        var ddl = await Assert.ThrowsAsync<PostgresException>(() => asEngine.ExecuteAsync("CREATE TABLE qrtz_extra (x int)"));
        Assert.Contains("permission denied for schema public", ddl.MessageText, StringComparison.Ordinal);
        var api = await Assert.ThrowsAsync<PostgresException>(() => asEngine.ExecuteAsync("SELECT deposit($1, 1, 'engine:1')", buyer));
        Assert.Contains("permission denied for function deposit", api.MessageText, StringComparison.Ordinal);
        Assert.True(await asEngine.ScalarAsync<long>("SELECT count(*) FROM qrtz_locks") >= 0);
    }

    /// <summary>
    /// Alerts: the engine, as its role, raises them, reconciles the money of the flow above without finding anything off, and reads
    /// route_quarantines; the panel sets a provider's alert level, reads the alerts, acknowledges one and lifts a quarantine
    /// (lift_quarantine), and can change nothing else of operator_alerts or route_quarantines.
    /// </summary>
    private static async Task AlertsAsync(Panel panel, Panel god, EngineHarness engine, long provider)
    {
        Assert.Equal(1, await panel.ExecuteAsync("UPDATE providers SET alert_balance = 1000000000 WHERE id = $1", provider));
        // Only the engine quarantines a route; the superuser stands in for it here.
        await god.ExecuteAsync(
            "INSERT INTO route_quarantines (provider_id, service, quarantined_until, reason, level) VALUES ($1, '1', now() + interval '1 day', 'by hand', 1)", provider);
        await engine.RunAsync(JobNames.WatchHealth);
        await engine.RunAsync(JobNames.ReconcileMoney);
        Assert.Equal(0L, await god.ScalarAsync<long>("SELECT count(*) FROM operator_alerts WHERE kind IN ('balance_mismatch', 'cost_mismatch')"));
        var low = await panel.ScalarAsync<long>(
            "SELECT id FROM operator_alerts WHERE kind = 'provider_balance_low' AND subject_id = $1::text AND cleared_at IS NULL", provider);
        Assert.True(await panel.ScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM operator_alerts WHERE kind = 'route_quarantined' AND subject_id = $1 || ':1' AND cleared_at IS NULL)", provider));

        Assert.Equal(1, await panel.ExecuteAsync("UPDATE operator_alerts SET acknowledged_at = now() WHERE id = $1", low));
        const string Alerts = """
            SELECT concat_ws('|', (SELECT string_agg(concat_ws(',', id, kind, subject_type, subject_id, message, detail, raised_at, cleared_at, acknowledged_at), ';' ORDER BY id) FROM operator_alerts),
                                  (SELECT string_agg(concat_ws(',', provider_id, service, quarantined_until, reason, level), ';') FROM route_quarantines))
            """;
        var before = await god.ScalarAsync<string>(Alerts);
        foreach (var (table, sql, arg) in new[]
        {
            ("operator_alerts", "UPDATE operator_alerts SET cleared_at = now() WHERE id = $1", low),
            ("operator_alerts", "UPDATE operator_alerts SET message = 'nothing to see', acknowledged_at = now() WHERE id = $1", low),
            ("operator_alerts", "DELETE FROM operator_alerts WHERE id = $1", low),
            ("operator_alerts", "INSERT INTO operator_alerts (kind, subject_type, subject_id, message) VALUES ('orders_stuck', 'service', $1::text, 'made up')", provider),
            ("route_quarantines", "UPDATE route_quarantines SET quarantined_until = now() WHERE provider_id = $1", provider),
            ("route_quarantines", "INSERT INTO route_quarantines (provider_id, service, quarantined_until, reason, level) VALUES ($1, '2', now(), 'x', 1)", provider),
            ("route_quarantines", "DELETE FROM route_quarantines WHERE provider_id = $1", provider),
        })
        {
            var ex = await Assert.ThrowsAsync<PostgresException>(() => panel.ExecuteAsync(sql, arg));
            Assert.Contains($"permission denied for table {table}", ex.MessageText, StringComparison.Ordinal);
        }

        Assert.Equal(before, await god.ScalarAsync<string>(Alerts));

        // The write API lifts it: the route's alert clears; the acknowledged one stays open and acknowledged.
        await panel.ExecuteAsync("SELECT lift_quarantine($1, '1')", provider);
        Assert.True(await god.ScalarAsync<bool>(
            "SELECT bool_and(cleared_at IS NOT NULL) FROM operator_alerts WHERE kind = 'route_quarantined' AND subject_id = $1 || ':1'", provider));
        await engine.RunAsync(JobNames.WatchHealth);
        Assert.True(await god.ScalarAsync<bool>("SELECT cleared_at IS NULL AND acknowledged_at IS NOT NULL FROM operator_alerts WHERE id = $1", low));
    }
}
