using Fulfillment.Engine.Jobs;
using Fulfillment.Engine.Lifecycle;
using Fulfillment.Tests.Infrastructure;
using Npgsql;

namespace Fulfillment.Tests.DripFeed;

/// <summary>
/// Drip-feed the engine runs itself, end to end against PostgreSQL and the simulator with a fake clock: an emulated order is a
/// parent that is never sent; its runs are child orders sent one at a time as plain adds, on schedule; the parent carries
/// the one charge, shows the progress, and refunds once, exactly, when it ends; a cancel or a block stops it.
/// </summary>
public sealed class DripFeedTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private static string Link() => $"https://www.instagram.com/p/{Guid.NewGuid():N}";

    private sealed record RunRow(long Id, int Number, string Status, long? Remains, long? StartCount, DateTimeOffset CreatedAt,
        DateTimeOffset? AcceptedAt, DateTimeOffset? FinishedAt, decimal Charge, string Link, int Quantity, string Params);

    /// <summary>A Default service that sells drip-feed, mapped to a simulator service, with the mode given.</summary>
    private static async Task<long> DripFeedServiceAsync(EngineHarness engine, string mode = "emulated", int upstream = 3, bool cancel = false, decimal rate = 2m)
    {
        var (_, service) = await engine.CreateProviderAndServiceAsync(upstreamService: upstream, rate: rate, min: 10, max: 10_000, cancel: cancel);
        await engine.Panel.ExecuteAsync("UPDATE services SET dripfeed = true, dripfeed_mode = $2 WHERE id = $1", service, mode);
        return service;
    }

    private static async Task<List<RunRow>> RunsAsync(EngineHarness engine, long parent)
    {
        await using var command = engine.Panel.DataSource.CreateCommand("""
            SELECT id, run_number, status, remains, start_count, created_at, dispatched_at, finished_at, charge, link, quantity, params::text
            FROM orders WHERE parent_id = $1 ORDER BY run_number
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = parent });
        var runs = new List<RunRow>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            runs.Add(new RunRow(reader.GetInt64(0), reader.GetInt32(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetInt64(3),
                reader.IsDBNull(4) ? null : reader.GetInt64(4), reader.GetFieldValue<DateTimeOffset>(5),
                reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6), reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7),
                reader.GetDecimal(8), reader.GetString(9), reader.GetInt32(10), reader.GetString(11)));
        }

        return runs;
    }

    private static async Task<bool> EndedAsync(EngineHarness engine, long order) =>
        await engine.StatusAsync(order) is "completed" or "partial" or "canceled" or "failed";

    /// <summary>What the engine does on its schedule, a simulated minute at a time, until <paramref name="done"/> holds.</summary>
    private static async Task DriveAsync(EngineHarness engine, Func<Task<bool>> done, TimeSpan limit, Func<Task>? eachStep = null, bool requests = false)
    {
        var until = engine.Clock.GetUtcNow() + limit;
        while (!await done())
        {
            Assert.True(engine.Clock.GetUtcNow() < until, $"not done after {limit} of simulated time");
            if (requests)
            {
                await engine.RunAsync(JobNames.ProcessOrderRequests);
            }

            await engine.RunAsync(JobNames.DispatchOrders);
            await engine.RunAsync(JobNames.SyncOrderStatus);
            if (eachStep is not null)
            {
                await eachStep();
            }

            engine.Clock.Advance(TimeSpan.FromMinutes(1));
        }
    }

    private static Task<long> CountAsync(EngineHarness engine, string sql, params object[] args) => engine.Panel.ScalarAsync<long>(sql, args);

    [Fact]
    public async Task An_emulated_five_run_order_delivers_every_run_on_schedule_and_the_parent_shows_the_progress()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, s => { s.PartialProbability = 0; s.CanceledProbability = 0; s.OverDeliveryProbability = 0; });
        var service = await DripFeedServiceAsync(engine);
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        var link = Link();
        var parent = await engine.Panel.PlaceOrderAsync(user, service, link, 100, """{"runs": 5, "interval": 10}""");
        Assert.Equal(1.0m, await engine.Panel.ScalarAsync<decimal>("SELECT charge FROM orders WHERE id = $1", parent));

        await engine.RunAsync(JobNames.DispatchOrders);

        // The parent is never sent: run 1 is, as a plain add of quantity.
        Assert.Equal("in_progress", await engine.StatusAsync(parent));
        var first = Assert.Single(engine.Simulator.Record.Requests("add"));
        Assert.Equal(("100", null, null), (first.Field("quantity"), first.Field("runs"), first.Field("interval")));

        var seen = new List<long>();
        await DriveAsync(engine, () => EndedAsync(engine, parent), TimeSpan.FromHours(3), async () =>
            seen.Add(await engine.Panel.ScalarAsync<long?>("SELECT remains FROM orders WHERE id = $1", parent) ?? 500));

        var runs = await RunsAsync(engine, parent);
        Assert.Equal([1, 2, 3, 4, 5], runs.Select(r => r.Number));
        Assert.All(runs, r => Assert.Equal(("completed", 0m, link, 100, "{}"), (r.Status, r.Charge, r.Link, r.Quantity, r.Params)));
        var adds = engine.Simulator.Record.Requests("add");
        Assert.Equal(5, adds.Count);
        Assert.All(adds, a => Assert.Equal((link, "100", null), (a.Field("link"), a.Field("quantity"), a.Field("runs"))));
        Assert.Equal(5, engine.Simulator.Orders.CreatedCount(link));
        for (var k = 1; k < runs.Count; k++)
        {
            // Run k+1 leaves interval minutes after run k was accepted, once run k has ended, and within a pass or two of that.
            var due = new[] { runs[k - 1].AcceptedAt!.Value + TimeSpan.FromMinutes(10), runs[k - 1].FinishedAt!.Value }.Max();
            Assert.InRange(adds[k].At, due, due + TimeSpan.FromMinutes(2));
            Assert.Equal(adds[k].At, runs[k].AcceptedAt!.Value, TimeSpan.FromMilliseconds(1));
        }

        // The parent: completed, the progress seen on it along the way, the start count of its first run.
        Assert.Equal("completed", await engine.StatusAsync(parent));
        Assert.Equal(0L, await engine.Panel.ScalarAsync<long>("SELECT remains FROM orders WHERE id = $1", parent));
        Assert.Equal(runs[0].StartCount, await engine.Panel.ScalarAsync<long?>("SELECT start_count FROM orders WHERE id = $1", parent));
        Assert.Equal(seen.OrderByDescending(r => r), seen);
        Assert.Superset(new HashSet<long> { 400, 300, 200, 100 }, seen.ToHashSet());
        Assert.Equal(5, await engine.Panel.ScalarAsync<int>("SELECT (result -> 'dripfeed' ->> 'created')::int FROM orders WHERE id = $1", parent));

        // Money: one charge on the parent, nothing refunded, nothing on the runs; one notification, for the parent.
        Assert.Equal(9m, await engine.Panel.BalanceAsync(user));
        Assert.Equal(9m, await engine.Panel.LedgerSumAsync(user));
        Assert.Equal(1L, await CountAsync(engine, "SELECT count(*) FROM ledger WHERE user_id = $1 AND kind = 'charge' AND order_id = $2", user, parent));
        Assert.Equal(0L, await CountAsync(engine, "SELECT count(*) FROM ledger WHERE user_id = $1 AND kind = 'refund'", user));
        Assert.Equal(0L, await CountAsync(engine, "SELECT count(*) FROM ledger l JOIN orders o ON o.id = l.order_id WHERE o.parent_id = $1", parent));
        Assert.Equal("order_completed", await engine.Panel.ScalarAsync<string>(
            "SELECT string_agg(kind, ',') FROM notifications WHERE user_id = $1", user));
        Assert.Equal(parent, await engine.Panel.ScalarAsync<long>("SELECT order_id FROM notifications WHERE user_id = $1", user));
    }

    [Fact]
    public async Task A_canceled_parent_stops_its_runs_has_the_running_one_canceled_and_refunds_exactly_what_was_not_delivered()
    {
        // Runs take ten minutes at the provider, so run 2 is still being delivered when the user cancels.
        await using var engine = await EngineHarness.StartAsync(fixture, s =>
        {
            s.PartialProbability = 0;
            s.CanceledProbability = 0;
            s.OverDeliveryProbability = 0;
            s.InProgressDuration = TimeSpan.FromMinutes(10);
        });
        var service = await DripFeedServiceAsync(engine, upstream: 1, cancel: true);
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        var parent = await engine.Panel.PlaceOrderAsync(user, service, Link(), 100, """{"runs": 5, "interval": 10}""");
        await DriveAsync(engine, async () => (await RunsAsync(engine, parent)) is [_, { Status: "in_progress" }], TimeSpan.FromHours(1));
        engine.Clock.Advance(TimeSpan.FromSeconds(30));

        // A run is canceled through its parent.
        var run2 = (await RunsAsync(engine, parent))[1].Id;
        var refused = await Assert.ThrowsAsync<PostgresException>(() => engine.Panel.ScalarAsync<long>("SELECT request_cancel($1)", run2));
        Assert.StartsWith("not_cancelable", refused.MessageText, StringComparison.Ordinal);
        var request = await engine.Panel.ScalarAsync<long>("SELECT request_cancel($1)", parent);

        // The request processor leaves a running parent's cancel to the drip-feed pass, which asks the provider to cancel the running run.
        await engine.RunAsync(JobNames.ProcessOrderRequests);
        Assert.Equal("pending", await engine.Panel.ScalarAsync<string>("SELECT status FROM order_requests WHERE id = $1", request));
        await engine.RunAsync(JobNames.DispatchOrders);
        await engine.RunAsync(JobNames.ProcessOrderRequests);
        Assert.Equal(1L, engine.Simulator.Record.Count("cancel"));

        await DriveAsync(engine, () => EndedAsync(engine, parent), TimeSpan.FromHours(1), requests: true);
        engine.Clock.Advance(TimeSpan.FromHours(1));
        await engine.RunAsync(JobNames.DispatchOrders);

        var runs = await RunsAsync(engine, parent);
        Assert.Equal(["completed", "canceled"], runs.Select(r => r.Status));
        Assert.Equal(2L, engine.Simulator.Record.Count("add"));
        // Run 1 delivered, run 2 canceled (refunded in full, like any canceled order), runs 3 to 5 never sent: 400 of 500 units.
        Assert.Equal("partial", await engine.StatusAsync(parent));
        Assert.Equal(400L, await engine.Panel.ScalarAsync<long>("SELECT remains FROM orders WHERE id = $1", parent));
        Assert.Equal(0.8m, await engine.Panel.ScalarAsync<decimal>("SELECT amount FROM ledger WHERE order_id = $1 AND kind = 'refund'", parent));
        Assert.Equal(1L, await CountAsync(engine, "SELECT count(*) FROM ledger WHERE user_id = $1 AND kind = 'refund'", user));
        Assert.Equal(9.8m, await engine.Panel.BalanceAsync(user));
        Assert.Equal(9.8m, await engine.Panel.LedgerSumAsync(user));
        Assert.Equal("done", await engine.Panel.ScalarAsync<string>("SELECT status FROM order_requests WHERE id = $1", request));
        Assert.Equal("order_partial:canceled_by_user", await engine.Panel.ScalarAsync<string>(
            "SELECT string_agg(kind || ':' || (payload ->> 'reason'), ',') FROM notifications WHERE user_id = $1", user));
    }

    [Fact]
    public async Task A_parent_of_a_service_without_cancel_still_stops_and_its_running_run_is_left_to_finish()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, s => { s.PartialProbability = 0; s.CanceledProbability = 0; s.OverDeliveryProbability = 0; });
        var service = await DripFeedServiceAsync(engine, cancel: false);
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        var parent = await engine.Panel.PlaceOrderAsync(user, service, Link(), 100, """{"runs": 5, "interval": 10}""");
        await engine.RunAsync(JobNames.DispatchOrders);

        await engine.Panel.ScalarAsync<long>("SELECT request_cancel($1)", parent);
        await DriveAsync(engine, () => EndedAsync(engine, parent), TimeSpan.FromHours(1), requests: true);

        Assert.Equal(["completed"], (await RunsAsync(engine, parent)).Select(r => r.Status));
        Assert.Equal(0L, engine.Simulator.Record.Count("cancel"));
        Assert.Equal("partial", await engine.StatusAsync(parent));
        Assert.Equal(0.8m, await engine.Panel.ScalarAsync<decimal>("SELECT refunded FROM orders WHERE id = $1", parent));
        Assert.Equal(9.8m, await engine.Panel.BalanceAsync(user));
    }

    [Fact]
    public async Task Runs_delivered_in_part_leave_their_remains_and_the_parent_refunds_them_once_by_the_partial_rule()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, s => { s.PartialProbability = 1; s.CanceledProbability = 0; });
        var service = await DripFeedServiceAsync(engine, rate: 3m);
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        var parent = await engine.Panel.PlaceOrderAsync(user, service, Link(), 333, """{"runs": 3, "interval": 5}""");

        await DriveAsync(engine, () => EndedAsync(engine, parent), TimeSpan.FromHours(1));

        var runs = await RunsAsync(engine, parent);
        Assert.All(runs, r => Assert.Equal("partial", r.Status));
        var remains = runs.Sum(r => Math.Clamp(r.Remains!.Value, 0, 333));
        var charge = 3m * 999 / 1000;
        var refund = Math.Floor(charge * remains / 999 * 1_000_000m) / 1_000_000m;
        Assert.Equal("partial", await engine.StatusAsync(parent));
        Assert.Equal(remains, await engine.Panel.ScalarAsync<long>("SELECT remains FROM orders WHERE id = $1", parent));
        Assert.Equal(refund, await engine.Panel.ScalarAsync<decimal>("SELECT amount FROM ledger WHERE order_id = $1 AND kind = 'refund'", parent));
        Assert.Equal(1L, await CountAsync(engine, "SELECT count(*) FROM ledger WHERE user_id = $1 AND kind = 'refund'", user));
        Assert.Equal(10m - charge + refund, await engine.Panel.BalanceAsync(user));
        Assert.Equal(0m, runs.Sum(r => r.Charge));
        Assert.Equal(1L, await CountAsync(engine, "SELECT count(*) FROM notifications WHERE user_id = $1", user));
    }

    [Fact]
    public async Task A_failed_run_is_skipped_and_refunded_with_the_parent_and_the_next_run_keeps_the_schedule()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, s => { s.PartialProbability = 0; s.CanceledProbability = 0; s.OverDeliveryProbability = 0; });
        var service = await DripFeedServiceAsync(engine);
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        var parent = await engine.Panel.PlaceOrderAsync(user, service, Link(), 100, """{"runs": 3, "interval": 10}""");
        await engine.RunAsync(JobNames.DispatchOrders);
        // Run 2 meets a provider that no longer knows the service (refused for good); run 3 finds it back.
        await engine.Panel.ExecuteAsync("UPDATE services SET provider_service_id = '999' WHERE id = $1", service);

        await DriveAsync(engine, () => EndedAsync(engine, parent), TimeSpan.FromHours(2), async () =>
        {
            if ((await RunsAsync(engine, parent)) is [_, { Status: "failed" }])
            {
                await engine.Panel.ExecuteAsync("UPDATE services SET provider_service_id = '3' WHERE id = $1", service);
            }
        });

        var runs = await RunsAsync(engine, parent);
        Assert.Equal(["completed", "failed", "completed"], runs.Select(r => r.Status));
        Assert.True(runs[2].CreatedAt >= runs[1].FinishedAt!.Value + TimeSpan.FromMinutes(10));
        Assert.Equal("partial", await engine.StatusAsync(parent));
        Assert.Equal(100L, await engine.Panel.ScalarAsync<long>("SELECT remains FROM orders WHERE id = $1", parent));
        Assert.Equal(0.2m, await engine.Panel.ScalarAsync<decimal>("SELECT refunded FROM orders WHERE id = $1", parent));
        Assert.Equal(10m - 0.6m + 0.2m, await engine.Panel.BalanceAsync(user));
    }

    [Fact]
    public async Task Three_runs_in_a_row_that_fail_stop_the_parent_with_a_full_refund()
    {
        await using var engine = await EngineHarness.StartAsync(fixture);
        var service = await DripFeedServiceAsync(engine, upstream: 999);
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        var parent = await engine.Panel.PlaceOrderAsync(user, service, Link(), 100, """{"runs": 6, "interval": 10}""");

        await DriveAsync(engine, () => EndedAsync(engine, parent), TimeSpan.FromHours(2));

        Assert.Equal(["failed", "failed", "failed"], (await RunsAsync(engine, parent)).Select(r => r.Status));
        Assert.Equal("failed", await engine.StatusAsync(parent));
        Assert.Contains("3 runs in a row", await engine.Panel.ScalarAsync<string>("SELECT error FROM orders WHERE id = $1", parent), StringComparison.Ordinal);
        Assert.Equal(10m, await engine.Panel.BalanceAsync(user));
        Assert.Equal("order_failed:not_delivered", await engine.Panel.ScalarAsync<string>(
            "SELECT string_agg(kind || ':' || (payload ->> 'reason'), ',') FROM notifications WHERE user_id = $1", user));
    }

    [Fact]
    public async Task A_blocked_account_s_parent_stops_its_runs_is_refunded_once_and_the_refund_forfeited()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, s => { s.PartialProbability = 0; s.CanceledProbability = 0; s.OverDeliveryProbability = 0; });
        var service = await DripFeedServiceAsync(engine, upstream: 1, cancel: true);
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        var parent = await engine.Panel.PlaceOrderAsync(user, service, Link(), 100, """{"runs": 4, "interval": 10}""");
        await engine.RunAsync(JobNames.DispatchOrders);

        await engine.Panel.ExecuteAsync("SELECT block_user($1, 'chargeback')", user);
        await DriveAsync(engine, () => EndedAsync(engine, parent), TimeSpan.FromHours(1), requests: true);
        await engine.RunAsync(JobNames.ProcessOrderRequests);

        Assert.Equal(["canceled"], (await RunsAsync(engine, parent)).Select(r => r.Status));
        Assert.Equal(1L, engine.Simulator.Record.Count("cancel"));
        Assert.Equal("canceled", await engine.StatusAsync(parent));
        Assert.Equal(0.8m, await engine.Panel.ScalarAsync<decimal>("SELECT amount FROM ledger WHERE order_id = $1 AND kind = 'refund'", parent));
        Assert.Equal(0m, await engine.Panel.BalanceAsync(user));
        Assert.Equal(0m, await engine.Panel.LedgerSumAsync(user));
        Assert.Equal("order_canceled:account_blocked", await engine.Panel.ScalarAsync<string>(
            "SELECT string_agg(kind || ':' || (payload ->> 'reason'), ',') FROM notifications WHERE user_id = $1", user));
    }

    [Fact]
    public async Task Auto_mode_sends_natively_where_the_provider_s_stored_list_offers_drip_feed_and_emulates_elsewhere()
    {
        await using var engine = await EngineHarness.StartAsync(fixture);
        var native = await DripFeedServiceAsync(engine, mode: "auto", upstream: 1);
        var emulated = await DripFeedServiceAsync(engine, mode: "auto", upstream: 3);
        await engine.RunAsync(JobNames.SyncProviderServices);
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        var (nativeLink, emulatedLink) = (Link(), Link());
        var a = await engine.Panel.PlaceOrderAsync(user, native, nativeLink, 100, """{"runs": 3, "interval": 10}""");
        var b = await engine.Panel.PlaceOrderAsync(user, emulated, emulatedLink, 100, """{"runs": 3, "interval": 10}""");

        await engine.RunAsync(JobNames.DispatchOrders);

        var adds = engine.Simulator.Record.Requests("add").ToDictionary(r => r.Field("link")!);
        Assert.Equal(("100", "3", "10"), (adds[nativeLink].Field("quantity"), adds[nativeLink].Field("runs"), adds[nativeLink].Field("interval")));
        Assert.Equal(("100", null), (adds[emulatedLink].Field("quantity"), adds[emulatedLink].Field("runs")));
        Assert.Equal(0L, await CountAsync(engine, "SELECT count(*) FROM orders WHERE parent_id = $1", a));
        Assert.Equal(1L, await CountAsync(engine, "SELECT count(*) FROM orders WHERE parent_id = $1", b));
        Assert.False(string.IsNullOrEmpty(await engine.Panel.ScalarAsync<string>("SELECT provider_order_id FROM orders WHERE id = $1", a)));
        Assert.Null(await engine.Panel.ScalarAsync<string?>("SELECT provider_order_id FROM orders WHERE id = $1", b));
    }

    [Fact]
    public async Task A_run_is_created_once_however_often_its_creation_is_written()
    {
        await using var engine = await EngineHarness.StartAsync(fixture);
        var service = await DripFeedServiceAsync(engine);
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        var parent = await engine.Panel.PlaceOrderAsync(user, service, Link(), 100, """{"runs": 5, "interval": 10}""");
        var now = engine.Clock.GetUtcNow();

        // As a pass cut off and done again would write it: the start (with run 1), then runs 1 and 2 again and again, and a run past the last.
        foreach (var changes in new OrderChange[][]
                 {
                     [new OrderChange.RunsStarted(parent, 5)], [new OrderChange.RunsStarted(parent, 5)], [new OrderChange.RunCreated(parent, 1)],
                     [new OrderChange.RunCreated(parent, 2)], [new OrderChange.RunCreated(parent, 2), new OrderChange.RunCreated(parent, 6)],
                 })
        {
            await using var connection = await engine.Panel.DataSource.OpenConnectionAsync();
            await using var batch = new NpgsqlBatch(connection);
            OrderWriter.AddTo(batch, changes, now);
            await batch.ExecuteNonQueryAsync();
        }

        Assert.Equal([1, 2], (await RunsAsync(engine, parent)).Select(r => r.Number));
        Assert.Equal(2L, await CountAsync(engine, "SELECT count(*) FROM order_events WHERE order_id = $1 AND kind = 'run_created'", parent));
        Assert.Equal(1L, await CountAsync(engine, "SELECT count(*) FROM order_events WHERE order_id = $1 AND kind = 'runs_started'", parent));
        var duplicate = await Assert.ThrowsAsync<PostgresException>(() => engine.Panel.ExecuteAsync("""
            INSERT INTO orders (user_id, service_id, link, quantity, parent_id, run_number) SELECT user_id, service_id, link, quantity, id, 2 FROM orders WHERE id = $1
            """, parent));
        Assert.Equal(PostgresErrorCodes.UniqueViolation, duplicate.SqlState);
    }

    [Fact]
    public async Task A_parent_the_database_refuses_goes_to_review_alone_the_others_go_on_and_a_retry_resumes_it_without_a_second_run()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, s => { s.PartialProbability = 0; s.CanceledProbability = 0; s.OverDeliveryProbability = 0; });
        await engine.Panel.ExecuteAsync("""
            CREATE TABLE IF NOT EXISTS test_refused_parents (id bigint PRIMARY KEY);
            CREATE OR REPLACE FUNCTION test_refuse_parent() RETURNS trigger LANGUAGE plpgsql AS $fn$
            BEGIN
                IF NEW.status = 'in_progress' AND EXISTS (SELECT 1 FROM test_refused_parents r WHERE r.id = NEW.id) THEN
                    RAISE EXCEPTION 'injected: order % refused', NEW.id;
                END IF;
                RETURN NEW;
            END $fn$;
            DROP TRIGGER IF EXISTS test_refuse_parent ON orders;
            CREATE TRIGGER test_refuse_parent BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION test_refuse_parent();
            """);
        var service = await DripFeedServiceAsync(engine);
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        var (badLink, goodLink) = (Link(), Link());
        var bad = await engine.Panel.PlaceOrderAsync(user, service, badLink, 100, """{"runs": 3, "interval": 10}""");
        var good = await engine.Panel.PlaceOrderAsync(user, service, goodLink, 100, """{"runs": 3, "interval": 10}""");
        await engine.RunAsync(JobNames.DispatchOrders);
        await engine.Panel.ExecuteAsync("INSERT INTO test_refused_parents VALUES ($1)", bad);

        await DriveAsync(engine, async () => (await RunsAsync(engine, good)).Count == 2, TimeSpan.FromHours(1));

        Assert.Equal("review", await engine.StatusAsync(bad));
        var error = await engine.Panel.ScalarAsync<string>("SELECT error FROM orders WHERE id = $1", bad);
        Assert.Contains("could not advance this drip-feed", error, StringComparison.Ordinal);
        Assert.Contains("injected", error, StringComparison.Ordinal);
        Assert.Single(await RunsAsync(engine, bad));

        // Fixed and released: it resumes where it was, run 1 is not created again.
        await engine.Panel.ExecuteAsync("TRUNCATE test_refused_parents");
        await engine.Panel.ExecuteAsync("SELECT release_order($1, 'retry')", bad);
        await DriveAsync(engine, async () => await EndedAsync(engine, bad) && await EndedAsync(engine, good), TimeSpan.FromHours(2));

        Assert.Equal("completed", await engine.StatusAsync(bad));
        Assert.Equal([1, 2, 3], (await RunsAsync(engine, bad)).Select(r => r.Number));
        Assert.Equal((3, 3), (engine.Simulator.Orders.CreatedCount(badLink), engine.Simulator.Orders.CreatedCount(goodLink)));
        Assert.Equal(10m - 1.2m, await engine.Panel.BalanceAsync(user));
        await engine.Panel.ExecuteAsync("DROP TRIGGER test_refuse_parent ON orders");
    }

    [Fact]
    public async Task A_run_takes_its_turn_on_its_link_like_any_order()
    {
        // Orders take twenty minutes at the provider, so another order on the link meets the runs while they run.
        await using var engine = await EngineHarness.StartAsync(fixture, s =>
        {
            s.PartialProbability = 0;
            s.CanceledProbability = 0;
            s.InProgressDuration = TimeSpan.FromMinutes(20);
        });
        var service = await DripFeedServiceAsync(engine);
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        var link = Link();
        var parent = await engine.Panel.PlaceOrderAsync(user, service, link, 100, """{"runs": 2, "interval": 10}""");
        await engine.RunAsync(JobNames.DispatchOrders);
        var other = await engine.Panel.PlaceOrderAsync(user, service, link, 100);

        await DriveAsync(engine, async () => await EndedAsync(engine, parent) && await EndedAsync(engine, other), TimeSpan.FromHours(3));

        var runs = await RunsAsync(engine, parent);
        Assert.Equal(["completed", "completed"], runs.Select(r => r.Status));
        Assert.Equal("completed", await engine.StatusAsync(other));
        // The order placed while run 1 ran waited for it; run 2, due while that order ran, waited for it in turn.
        Assert.Equal(runs[0].Id, await engine.Panel.ScalarAsync<long>("SELECT (detail ->> 'held_by')::bigint FROM order_events WHERE order_id = $1 AND kind = 'held'", other));
        Assert.Equal(other, await engine.Panel.ScalarAsync<long>("SELECT (detail ->> 'held_by')::bigint FROM order_events WHERE order_id = $1 AND kind = 'held'", runs[1].Id));
        // At the provider, never two orders on the link at once.
        var upstream = new List<long> { runs[0].Id, other, runs[1].Id };
        var spans = new List<(DateTimeOffset From, DateTimeOffset To)>();
        foreach (var id in upstream)
        {
            var providerOrder = long.Parse(await engine.Panel.ScalarAsync<string>("SELECT provider_order_id FROM orders WHERE id = $1", id), System.Globalization.CultureInfo.InvariantCulture);
            var order = engine.Simulator.Orders.Find(providerOrder)!;
            spans.Add((order.CreatedAt, order.EndsAt));
        }

        Assert.True(spans[0].To <= spans[1].From && spans[1].To <= spans[2].From, string.Join(", ", spans));
    }
}
