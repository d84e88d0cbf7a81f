using Fulfillment.Engine.Jobs;
using Fulfillment.Simulator;
using Fulfillment.Tests.Infrastructure;

namespace Fulfillment.Tests.Lifecycle;

/// <summary>
/// One bad row fails alone, for every kind of batch write: the database is made to refuse one row's write
/// (a trigger, as a careless panel's own trigger or constraint would), and the test shows that row put
/// aside with the reason while the rest of the same batch goes on.
/// </summary>
public sealed class BadRowTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private static string Link() => $"https://www.instagram.com/p/{Guid.NewGuid():N}";

    public async Task InitializeAsync()
    {
        var panel = new Panel(fixture.DataSource);
        await panel.ExecuteAsync("""
            CREATE TABLE IF NOT EXISTS test_refused (tbl text NOT NULL, id bigint NOT NULL, status text);
            TRUNCATE test_refused;
            CREATE OR REPLACE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS $fn$
            BEGIN
                IF EXISTS (SELECT 1 FROM test_refused r WHERE r.tbl = TG_TABLE_NAME AND r.id = NEW.id
                           AND (r.status IS NULL OR r.status = to_jsonb(NEW) ->> 'status')) THEN
                    RAISE EXCEPTION 'injected: % row % refused', TG_TABLE_NAME, NEW.id;
                END IF;
                RETURN NEW;
            END $fn$;
            DROP TRIGGER IF EXISTS test_refuse ON orders;
            CREATE TRIGGER test_refuse BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION test_refuse();
            DROP TRIGGER IF EXISTS test_refuse ON order_requests;
            CREATE TRIGGER test_refuse BEFORE UPDATE ON order_requests FOR EACH ROW EXECUTE FUNCTION test_refuse();
            DROP TRIGGER IF EXISTS test_refuse ON users;
            CREATE TRIGGER test_refuse BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION test_refuse();
            DROP TRIGGER IF EXISTS test_refuse ON providers;
            CREATE TRIGGER test_refuse BEFORE UPDATE ON providers FOR EACH ROW EXECUTE FUNCTION test_refuse();
            DROP TRIGGER IF EXISTS test_refuse ON provider_services;
            CREATE TRIGGER test_refuse BEFORE INSERT OR UPDATE ON provider_services FOR EACH ROW EXECUTE FUNCTION test_refuse();
            """);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static Task<int> RefuseAsync(EngineHarness engine, string table, long id, string? status) =>
        engine.Panel.ExecuteAsync("INSERT INTO test_refused (tbl, id, status) VALUES ($1, $2, $3)", table, id, status);

    private static Task<string?> ErrorAsync(EngineHarness engine, long order) =>
        engine.Panel.ScalarAsync<string?>("SELECT error FROM orders WHERE id = $1", order);

    private static async Task<(long User, List<(long Order, string Link)> Orders)> PlaceAsync(EngineHarness engine, long service, int count, decimal deposit = 100m)
    {
        var user = await engine.Panel.CreateUserAsync(deposit: deposit);
        var orders = new List<(long, string)>();
        for (var i = 0; i < count; i++)
        {
            var link = Link();
            orders.Add((await engine.Panel.PlaceOrderAsync(user, service, link, 100), link));
        }

        return (user, orders);
    }

    [Fact]
    public async Task A_claim_the_database_refuses_for_one_order_sends_the_others_and_puts_that_one_in_review()
    {
        await using var engine = await EngineHarness.StartAsync(fixture);
        var (_, service) = await engine.CreateProviderAndServiceAsync();
        var (_, orders) = await PlaceAsync(engine, service, 4);
        var bad = orders[1];
        await RefuseAsync(engine, "orders", bad.Order, "dispatching");

        await engine.RunAsync(JobNames.DispatchOrders);

        Assert.Equal("review", await engine.StatusAsync(bad.Order));
        Assert.Contains("could not claim", await ErrorAsync(engine, bad.Order), StringComparison.Ordinal);
        Assert.Contains("injected", await ErrorAsync(engine, bad.Order), StringComparison.Ordinal);
        Assert.Equal(0, engine.Simulator.Record.AddCount(bad.Link));
        foreach (var (order, link) in orders.Where(o => o != bad))
        {
            Assert.Equal("in_progress", await engine.StatusAsync(order));
            Assert.Equal(1, engine.Simulator.Record.AddCount(link));
        }
    }

    [Fact]
    public async Task An_add_answer_the_database_refuses_for_one_order_records_the_others_and_says_the_provider_has_it()
    {
        await using var engine = await EngineHarness.StartAsync(fixture);
        var (_, service) = await engine.CreateProviderAndServiceAsync();
        var (_, orders) = await PlaceAsync(engine, service, 4);
        var bad = orders[2];
        await RefuseAsync(engine, "orders", bad.Order, "in_progress");

        await engine.RunAsync(JobNames.DispatchOrders);
        await engine.RunAsync(JobNames.DispatchOrders);

        Assert.Equal("review", await engine.StatusAsync(bad.Order));
        var error = await ErrorAsync(engine, bad.Order);
        Assert.Contains("accepted by the provider as order", error, StringComparison.Ordinal);
        Assert.Contains("do not retry", error, StringComparison.Ordinal);
        Assert.Equal(1, engine.Simulator.Record.AddCount(bad.Link));
        foreach (var (order, link) in orders.Where(o => o != bad))
        {
            Assert.Equal("in_progress", await engine.StatusAsync(order));
            Assert.Equal(1, engine.Simulator.Record.AddCount(link));
        }

        Assert.Equal(0L, await engine.Panel.ScalarAsync<long>("SELECT count(*) FROM orders WHERE id = ANY($1) AND status = 'dispatching'",
            orders.Select(o => o.Order).ToArray()));
    }

    [Fact]
    public async Task A_failover_the_database_refuses_for_one_order_moves_the_others_and_puts_that_one_in_review()
    {
        await using var engine = await EngineHarness.StartAsync(fixture);
        await using var backup = await ProviderSimulator.StartAsync(new SimulatorSettings { ApiKey = "bad-row-backup", Seed = 7 }, engine.Clock);
        var (_, service) = await engine.CreateProviderAndServiceAsync();
        var backupId = await engine.Panel.CreateProviderAsync("bad-row-backup", backup.ApiUrl.ToString(), "bad-row-backup");
        await engine.Panel.ExecuteAsync("INSERT INTO service_routes (service_id, position, provider_id, provider_service_id) VALUES ($1, 1, $2, '1')", service, backupId);
        // The first provider answers "Incorrect service ID": every order moves to route 1 (back to pending there).
        engine.Simulator.DisableService(1);
        var (user, orders) = await PlaceAsync(engine, service, 4);
        var bad = orders[1];
        await RefuseAsync(engine, "orders", bad.Order, "pending");

        await engine.RunAsync(JobNames.DispatchOrders);
        await engine.RunAsync(JobNames.DispatchOrders);

        Assert.Equal("review", await engine.StatusAsync(bad.Order));
        Assert.Contains("injected", await ErrorAsync(engine, bad.Order), StringComparison.Ordinal);
        Assert.Equal(0, backup.Record.AddCount(bad.Link));
        foreach (var (order, link) in orders.Where(o => o != bad))
        {
            Assert.Equal("in_progress", await engine.StatusAsync(order));
            Assert.Equal(backupId, await engine.Panel.ScalarAsync<long>("SELECT provider_id FROM orders WHERE id = $1", order));
            Assert.Equal(1, backup.Record.AddCount(link));
        }

        Assert.Equal(await engine.Panel.LedgerSumAsync(user), await engine.Panel.BalanceAsync(user));
    }

    [Fact]
    public async Task A_status_answer_the_database_refuses_for_one_order_finishes_the_others_and_puts_that_one_in_review()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, s => { s.PartialProbability = 0; s.CanceledProbability = 0; s.OverDeliveryProbability = 0; });
        var (_, service) = await engine.CreateProviderAndServiceAsync();
        var (user, orders) = await PlaceAsync(engine, service, 4);
        await engine.RunAsync(JobNames.DispatchOrders);
        var bad = orders[0];
        await RefuseAsync(engine, "orders", bad.Order, "completed");

        engine.Clock.Advance(TimeSpan.FromMinutes(5));
        await engine.RunAsync(JobNames.SyncOrderStatus);

        Assert.Equal("review", await engine.StatusAsync(bad.Order));
        Assert.Contains("status answer could not be recorded", await ErrorAsync(engine, bad.Order), StringComparison.Ordinal);
        foreach (var (order, _) in orders.Where(o => o != bad))
        {
            Assert.Equal("completed", await engine.StatusAsync(order));
        }

        Assert.Equal(await engine.Panel.BalanceAsync(user), await engine.Panel.LedgerSumAsync(user));
    }

    [Fact]
    public async Task A_request_the_database_refuses_fails_alone_and_the_others_are_served()
    {
        await using var engine = await EngineHarness.StartAsync(fixture);
        var (_, service) = await engine.CreateProviderAndServiceAsync();
        var (user, orders) = await PlaceAsync(engine, service, 3, deposit: 10m);
        var requests = new List<long>();
        foreach (var (order, _) in orders)
        {
            requests.Add(await engine.Panel.ScalarAsync<long>("SELECT request_cancel($1)", order));
        }

        await RefuseAsync(engine, "order_requests", requests[1], "done");

        await engine.RunAsync(JobNames.ProcessOrderRequests);

        Assert.Equal("failed", await engine.Panel.ScalarAsync<string>("SELECT status FROM order_requests WHERE id = $1", requests[1]));
        Assert.Contains("could not be recorded", await engine.Panel.ScalarAsync<string>("SELECT message FROM order_requests WHERE id = $1", requests[1]),
            StringComparison.Ordinal);
        foreach (var i in new[] { 0, 2 })
        {
            Assert.Equal("done", await engine.Panel.ScalarAsync<string>("SELECT status FROM order_requests WHERE id = $1", requests[i]));
            Assert.Equal("canceled", await engine.StatusAsync(orders[i].Order));
        }

        Assert.Equal(await engine.Panel.BalanceAsync(user), await engine.Panel.LedgerSumAsync(user));
    }

    [Fact]
    public async Task A_blocked_account_the_database_refuses_does_not_stop_the_others()
    {
        await using var engine = await EngineHarness.StartAsync(fixture);
        var (_, service) = await engine.CreateProviderAndServiceAsync();
        var (bad, badOrders) = await PlaceAsync(engine, service, 1, deposit: 10m);
        var (good, goodOrders) = await PlaceAsync(engine, service, 1, deposit: 10m);
        await engine.Panel.ExecuteAsync("SELECT block_user($1, 'chargeback')", bad);
        await engine.Panel.ExecuteAsync("SELECT block_user($1, 'chargeback')", good);
        await RefuseAsync(engine, "users", bad, null);

        await engine.RunAsync(JobNames.ProcessOrderRequests);

        Assert.Equal("canceled", await engine.StatusAsync(goodOrders[0].Order));
        Assert.Equal(0m, await engine.Panel.BalanceAsync(good));
        Assert.True(await engine.Panel.ScalarAsync<bool>("SELECT block_handled_at IS NOT NULL FROM users WHERE id = $1", good));
        Assert.Equal("pending", await engine.StatusAsync(badOrders[0].Order));
        Assert.Equal(await engine.Panel.BalanceAsync(good), await engine.Panel.LedgerSumAsync(good));
    }

    [Fact]
    public async Task A_provider_balance_the_database_refuses_does_not_stop_the_next_providers()
    {
        await using var engine = await EngineHarness.StartAsync(fixture);
        var (bad, _) = await engine.CreateProviderAndServiceAsync();
        var (good, _) = await engine.CreateProviderAndServiceAsync();
        await RefuseAsync(engine, "providers", bad, null);
        // Refused only for the balance write: let last_error through.
        await engine.Panel.ExecuteAsync("""
            CREATE OR REPLACE FUNCTION test_refuse_balance() RETURNS trigger LANGUAGE plpgsql AS $fn$
            BEGIN
                IF NEW.balance IS DISTINCT FROM OLD.balance AND EXISTS (SELECT 1 FROM test_refused r WHERE r.tbl = 'providers' AND r.id = NEW.id) THEN
                    RAISE EXCEPTION 'injected: balance of provider % refused', NEW.id;
                END IF;
                RETURN NEW;
            END $fn$;
            DROP TRIGGER IF EXISTS test_refuse ON providers;
            CREATE TRIGGER test_refuse BEFORE UPDATE ON providers FOR EACH ROW EXECUTE FUNCTION test_refuse_balance();
            """);

        await engine.RunAsync(JobNames.CheckProviderBalances);

        Assert.Contains("Balance could not be stored", await engine.Panel.ScalarAsync<string>("SELECT last_error FROM providers WHERE id = $1", bad),
            StringComparison.Ordinal);
        Assert.True(await engine.Panel.ScalarAsync<bool>("SELECT balance IS NOT NULL AND last_error IS NULL FROM providers WHERE id = $1", good));
    }

    [Fact]
    public async Task A_service_list_with_duplicate_ids_and_absurd_numbers_is_stored_sanely_and_one_refused_does_not_stop_the_next()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, s => s.Services =
        [
            new SimulatedService { Service = 7, Name = "First", Rate = 1m, Min = 10, Max = 1000 },
            new SimulatedService { Service = 7, Name = "Again", Rate = 2m, Min = 10, Max = 1000 },
            new SimulatedService { Service = 8, Name = "Absurd", Rate = 100_000_000_000_000_000m, Min = int.MinValue, Max = int.MaxValue },
        ]);
        var (refused, _) = await engine.CreateProviderAndServiceAsync(upstreamService: 7);
        var (sane, _) = await engine.CreateProviderAndServiceAsync(upstreamService: 7);
        var (next, _) = await engine.CreateProviderAndServiceAsync(upstreamService: 7);
        await engine.Panel.ExecuteAsync("""
            CREATE OR REPLACE FUNCTION test_refuse_list() RETURNS trigger LANGUAGE plpgsql AS $fn$
            BEGIN
                IF NEW.provider_id = (SELECT r.id FROM test_refused r WHERE r.tbl = 'provider_list') THEN
                    RAISE EXCEPTION 'injected: service list of provider % refused', NEW.provider_id;
                END IF;
                RETURN NEW;
            END $fn$;
            DROP TRIGGER IF EXISTS test_refuse ON provider_services;
            CREATE TRIGGER test_refuse BEFORE INSERT OR UPDATE ON provider_services FOR EACH ROW EXECUTE FUNCTION test_refuse_list();
            """);
        await RefuseAsync(engine, "provider_list", refused, null);

        await engine.RunAsync(JobNames.SyncProviderServices);

        Assert.Contains("Service list could not be stored", await engine.Panel.ScalarAsync<string>("SELECT last_error FROM providers WHERE id = $1", refused),
            StringComparison.Ordinal);
        foreach (var provider in new[] { sane, next })
        {
            Assert.Equal("First", await engine.Panel.ScalarAsync<string>("SELECT name FROM provider_services WHERE provider_id = $1 AND service = '7'", provider));
            Assert.True(await engine.Panel.ScalarAsync<bool>("SELECT rate IS NULL FROM provider_services WHERE provider_id = $1 AND service = '8'", provider));
        }
    }
}
