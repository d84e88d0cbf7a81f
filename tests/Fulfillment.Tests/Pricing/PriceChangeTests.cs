using Fulfillment.Data.Entities;
using Fulfillment.Engine.Jobs;
using Fulfillment.Simulator;
using Fulfillment.Tests.Infrastructure;
using Npgsql;

namespace Fulfillment.Tests.Pricing;

/// <summary>
/// Markup pricing and the price log at the service-list sync, against the simulator's list (SetRate): every rate change of a routed
/// upstream service is a price_changes row; a service with a markup follows its cheapest route's rate, a large move held for a person
/// (price_change_held) until decide_price_change; a hand-priced service only logs.
/// </summary>
public sealed class PriceChangeTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private sealed record Change(long Id, string Status, decimal? OldUpstream, decimal? NewUpstream, decimal? OldRate, decimal? NewRate, bool Decided);

    [Fact]
    public async Task A_markup_prices_the_service_at_once_and_a_five_percent_rise_is_applied_while_placed_orders_keep_their_price()
    {
        await using var engine = await EngineHarness.StartAsync(fixture);
        var (_, service) = await engine.CreateProviderAndServiceAsync(upstreamService: 1, rate: 2m);
        var user = await engine.Panel.CreateUserAsync(deposit: 100m);
        await SyncAsync(engine);
        Assert.Empty(await ChangesAsync(engine, service));

        // The operator chose a markup: applied at the next sync without a hold, although 2 → 1.35 is a 32% move.
        await engine.Panel.ExecuteAsync("UPDATE services SET markup_percent = 50 WHERE id = $1", service);
        await SyncAsync(engine);
        Assert.Equal(1.35m, await RateAsync(engine, service));
        var chosen = Assert.Single(await ChangesAsync(engine, service));
        Assert.Equal((PriceChangeStatus.Applied, 2m, 1.35m, 0.90m, true), (chosen.Status, chosen.OldRate, chosen.NewRate, chosen.NewUpstream, chosen.Decided));

        var before = await engine.Panel.PlaceOrderAsync(user, service, "https://instagram.com/p/abc", 1000);
        engine.Simulator.SetRate(1, 0.945m);
        await SyncAsync(engine);

        Assert.Equal(1.4175m, await RateAsync(engine, service));
        var rise = (await ChangesAsync(engine, service))[^1];
        Assert.Equal(new Change(rise.Id, PriceChangeStatus.Applied, 0.90m, 0.945m, 1.35m, 1.4175m, true), rise);
        Assert.Equal(1.35m, await engine.Panel.ScalarAsync<decimal>("SELECT charge FROM orders WHERE id = $1", before));
        var after = await engine.Panel.PlaceOrderAsync(user, service, "https://instagram.com/p/def", 1000);
        Assert.Equal(1.4175m, await engine.Panel.ScalarAsync<decimal>("SELECT charge FROM orders WHERE id = $1", after));
        Assert.Equal(await engine.Panel.LedgerSumAsync(user), await engine.Panel.BalanceAsync(user));
        Assert.Equal(0, await OpenHeldAlertsAsync(engine, service));
    }

    [Fact]
    public async Task A_forty_percent_rise_is_held_with_an_alert_until_approved_and_the_next_order_pays_the_new_price()
    {
        await using var engine = await EngineHarness.StartAsync(fixture);
        var (_, service) = await MarkedUpAsync(engine, 50m);
        var user = await engine.Panel.CreateUserAsync(deposit: 100m);

        engine.Simulator.SetRate(1, 1.26m);
        await SyncAsync(engine);

        Assert.Equal(1.35m, await RateAsync(engine, service));
        var held = (await ChangesAsync(engine, service))[^1];
        Assert.Equal(new Change(held.Id, PriceChangeStatus.Held, 0.90m, 1.26m, 1.35m, 1.89m, false), held);
        Assert.Equal(1, await OpenHeldAlertsAsync(engine, service));
        var message = await engine.Panel.ScalarAsync<string>(
            "SELECT message FROM operator_alerts WHERE kind = 'price_change_held' AND subject_id = $1 AND cleared_at IS NULL", service.ToString());
        Assert.Contains($"decide_price_change", message, StringComparison.Ordinal);
        Assert.Contains(held.Id.ToString(), message, StringComparison.Ordinal);

        // Held: the sale rate stays, and a second sync neither applies it nor logs it again.
        var meanwhile = await engine.Panel.PlaceOrderAsync(user, service, "https://instagram.com/p/held", 1000);
        await SyncAsync(engine);
        Assert.Equal(1.35m, await RateAsync(engine, service));
        Assert.Equal(held, (await ChangesAsync(engine, service))[^1]);
        Assert.Equal(1.35m, await engine.Panel.ScalarAsync<decimal>("SELECT charge FROM orders WHERE id = $1", meanwhile));

        await engine.Panel.ExecuteAsync("SELECT decide_price_change($1, true)", held.Id);

        Assert.Equal(1.89m, await RateAsync(engine, service));
        Assert.Equal(PriceChangeStatus.Approved, (await ChangesAsync(engine, service))[^1].Status);
        Assert.Equal(0, await OpenHeldAlertsAsync(engine, service));
        var next = await engine.Panel.PlaceOrderAsync(user, service, "https://instagram.com/p/next", 1000);
        Assert.Equal(1.89m, await engine.Panel.ScalarAsync<decimal>("SELECT charge FROM orders WHERE id = $1", next));
        Assert.Equal(1.35m, await engine.Panel.ScalarAsync<decimal>("SELECT charge FROM orders WHERE id = $1", meanwhile));

        // Approved: the next sync sees the price where it should be and changes nothing.
        var count = (await ChangesAsync(engine, service)).Count;
        await SyncAsync(engine);
        Assert.Equal(count, (await ChangesAsync(engine, service)).Count);
        Assert.Equal(1.89m, await RateAsync(engine, service));
    }

    [Fact]
    public async Task A_markup_that_leaves_the_rate_where_it_is_is_adopted_so_the_next_large_move_is_held()
    {
        await using var engine = await EngineHarness.StartAsync(fixture);
        var (_, service) = await engine.CreateProviderAndServiceAsync(upstreamService: 1, rate: 1.35m);
        await engine.Panel.ExecuteAsync("UPDATE services SET markup_percent = 50 WHERE id = $1", service);
        await SyncAsync(engine);
        Assert.Equal(1.35m, await RateAsync(engine, service));
        Assert.Empty(await ChangesAsync(engine, service));
        Assert.Equal(50m, await engine.Panel.ScalarAsync<decimal>("SELECT markup_applied FROM services WHERE id = $1", service));

        engine.Simulator.SetRate(1, 1.26m);
        await SyncAsync(engine);

        Assert.Equal(1.35m, await RateAsync(engine, service));
        Assert.Equal(PriceChangeStatus.Held, (await ChangesAsync(engine, service))[^1].Status);
    }

    [Fact]
    public async Task A_held_change_that_a_newer_rate_overtakes_is_superseded_never_applied_late_and_its_alert_clears()
    {
        await using var engine = await EngineHarness.StartAsync(fixture);
        var (_, service) = await MarkedUpAsync(engine, 50m);

        engine.Simulator.SetRate(1, 9m);
        await SyncAsync(engine);
        var held = (await ChangesAsync(engine, service))[^1];
        Assert.Equal(PriceChangeStatus.Held, held.Status);

        engine.Simulator.SetRate(1, 0.99m);
        await SyncAsync(engine);

        var changes = await ChangesAsync(engine, service);
        Assert.Equal(PriceChangeStatus.Superseded, changes.Single(c => c.Id == held.Id).Status);
        Assert.Equal(new Change(changes[^1].Id, PriceChangeStatus.Applied, 9m, 0.99m, 1.35m, 1.485m, true), changes[^1]);
        Assert.Equal(1.485m, await RateAsync(engine, service));
        Assert.Equal(0, await OpenHeldAlertsAsync(engine, service));
        Assert.Equal(1, await engine.Panel.ScalarAsync<long>(
            "SELECT count(*) FROM operator_alerts WHERE kind = 'price_change_held' AND subject_id = $1 AND cleared_at IS NOT NULL", service.ToString()));

        // Too late to decide: the superseded change is not held.
        var refused = await Assert.ThrowsAsync<PostgresException>(() => engine.Panel.ExecuteAsync("SELECT decide_price_change($1, true)", held.Id));
        Assert.StartsWith("not_held: ", refused.MessageText, StringComparison.Ordinal);
        Assert.Equal(1.485m, await RateAsync(engine, service));
    }

    [Fact]
    public async Task A_rise_on_one_route_leaves_the_price_alone_while_a_cheaper_route_exists()
    {
        await using var engine = await EngineHarness.StartAsync(fixture);
        await using var second = await ProviderSimulator.StartAsync(new SimulatorSettings { ApiKey = "cheap-key", Seed = 7 }, engine.Clock);
        second.SetRate(1, 0.80m);
        var (_, service) = await engine.CreateProviderAndServiceAsync(upstreamService: 1, rate: 2m);
        var cheap = await engine.Panel.CreateProviderAsync(null, second.ApiUrl.ToString(), "cheap-key");
        await engine.Panel.ExecuteAsync(
            "INSERT INTO service_routes (service_id, position, provider_id, provider_service_id) VALUES ($1, 1, $2, '1')", service, cheap);
        await engine.Panel.ExecuteAsync("UPDATE services SET markup_percent = 50 WHERE id = $1", service);
        await SyncAsync(engine);
        Assert.Equal(1.20m, await RateAsync(engine, service));

        engine.Simulator.SetRate(1, 1.10m);
        await SyncAsync(engine);

        Assert.Equal(1.20m, await RateAsync(engine, service));
        var observed = (await ChangesAsync(engine, service))[^1];
        Assert.Equal(new Change(observed.Id, PriceChangeStatus.Observed, 0.90m, 1.10m, 1.20m, 1.20m, false), observed);

        // The cheaper route disabled: the dearer one is the cheapest left, and the price follows it (1.20 → 1.65 is held: 37.5%).
        await engine.Panel.ExecuteAsync("UPDATE service_routes SET enabled = false WHERE service_id = $1", service);
        await SyncAsync(engine);
        var held = (await ChangesAsync(engine, service))[^1];
        Assert.Equal((PriceChangeStatus.Held, 1.20m, 1.65m), (held.Status, held.OldRate, held.NewRate));
        Assert.Equal(1.20m, await RateAsync(engine, service));
    }

    [Fact]
    public async Task A_hand_priced_service_logs_each_upstream_change_as_observed_and_never_moves()
    {
        await using var engine = await EngineHarness.StartAsync(fixture);
        var (_, service) = await engine.CreateProviderAndServiceAsync(upstreamService: 2, rate: 0.5m);
        await SyncAsync(engine);

        engine.Simulator.SetRate(2, 0.30m);
        await SyncAsync(engine);
        engine.Simulator.SetRate(2, 5m);
        await SyncAsync(engine);
        await SyncAsync(engine);

        var changes = await ChangesAsync(engine, service);
        Assert.Equal(
            [
                new Change(changes[0].Id, PriceChangeStatus.Observed, 0.25m, 0.30m, 0.5m, 0.5m, false),
                new Change(changes[1].Id, PriceChangeStatus.Observed, 0.30m, 5m, 0.5m, 0.5m, false),
            ], changes);
        Assert.Equal(0.5m, await RateAsync(engine, service));
        // The price guard still speaks for it: selling below the upstream rate is flagged.
        Assert.Contains("exceeds the sale rate", await engine.Panel.ScalarAsync<string>("SELECT flag FROM services WHERE id = $1", service),
            StringComparison.Ordinal);
        Assert.Equal(0, await OpenHeldAlertsAsync(engine, service));
    }

    [Fact]
    public async Task A_rate_in_a_currency_without_a_conversion_is_never_applied_and_is_once_the_rate_is_known()
    {
        await using var engine = await EngineHarness.StartAsync(fixture);
        var (provider, service) = await engine.CreateProviderAndServiceAsync(upstreamService: 1, rate: 2m);
        await engine.Panel.ExecuteAsync("UPDATE providers SET currency = 'QQQ' WHERE id = $1", provider);
        await engine.Panel.ExecuteAsync("UPDATE services SET markup_percent = 50 WHERE id = $1", service);

        await SyncAsync(engine);
        Assert.Equal(2m, await RateAsync(engine, service));
        Assert.Empty(await ChangesAsync(engine, service));

        await engine.Panel.ExecuteAsync("INSERT INTO currency_rates (currency, rate) VALUES ('QQQ', 2)");
        await SyncAsync(engine);
        Assert.Equal(2.70m, await RateAsync(engine, service));
        await engine.Panel.ExecuteAsync("DELETE FROM currency_rates WHERE currency = 'QQQ'");
    }

    [Fact]
    public async Task Decide_price_change_refuses_an_unknown_id_a_change_that_is_not_held_and_no_decision_changing_nothing()
    {
        await using var engine = await EngineHarness.StartAsync(fixture);
        var (_, service) = await MarkedUpAsync(engine, 50m);
        var applied = (await ChangesAsync(engine, service))[^1];
        engine.Simulator.SetRate(1, 2m);
        await SyncAsync(engine);
        var held = (await ChangesAsync(engine, service))[^1];
        Assert.Equal(PriceChangeStatus.Held, held.Status);
        var snapshot = await PricesAsync(engine);

        foreach (var (id, approve, code) in new (long, bool?, string)[]
                 {
                     (applied.Id, true, "not_held: "), (applied.Id, false, "not_held: "), (long.MaxValue, true, "not_found: "), (held.Id, null, "invalid_argument: "),
                 })
        {
            var refused = await Assert.ThrowsAsync<PostgresException>(() => engine.Panel.ExecuteAsync("SELECT decide_price_change($1, $2)", id,
                (object?)approve ?? DBNull.Value));
            Assert.StartsWith(code, refused.MessageText, StringComparison.Ordinal);
            Assert.Equal(snapshot, await PricesAsync(engine));
        }

        await engine.Panel.ExecuteAsync("SELECT decide_price_change($1, false)", held.Id);
        Assert.Equal(1.35m, await RateAsync(engine, service));
        Assert.Equal(PriceChangeStatus.Rejected, (await ChangesAsync(engine, service))[^1].Status);
        Assert.Equal(0, await OpenHeldAlertsAsync(engine, service));
        var twice = await Assert.ThrowsAsync<PostgresException>(() => engine.Panel.ExecuteAsync("SELECT decide_price_change($1, true)", held.Id));
        Assert.StartsWith("not_held: ", twice.MessageText, StringComparison.Ordinal);
    }

    /// <summary>A service on upstream 1 (listed at 0.90) with a markup, priced by a first sync (1.35 at 50%).</summary>
    private static async Task<(long Provider, long Service)> MarkedUpAsync(EngineHarness engine, decimal markup)
    {
        var created = await engine.CreateProviderAndServiceAsync(upstreamService: 1, rate: 2m);
        await engine.Panel.ExecuteAsync("UPDATE services SET markup_percent = $2 WHERE id = $1", created.Service, markup);
        await SyncAsync(engine);
        Assert.Equal(0.90m * (1 + (markup / 100)), await RateAsync(engine, created.Service));
        return created;
    }

    private static async Task SyncAsync(EngineHarness engine)
    {
        engine.Clock.Advance(TimeSpan.FromMinutes(10));
        await engine.RunAsync(JobNames.SyncProviderServices);
    }

    private static Task<decimal> RateAsync(EngineHarness engine, long service) =>
        engine.Panel.ScalarAsync<decimal>("SELECT rate FROM services WHERE id = $1", service);

    private static Task<long> OpenHeldAlertsAsync(EngineHarness engine, long service) => engine.Panel.ScalarAsync<long>(
        "SELECT count(*) FROM operator_alerts WHERE kind = 'price_change_held' AND subject_type = 'service' AND subject_id = $1 AND cleared_at IS NULL",
        service.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static Task<string> PricesAsync(EngineHarness engine) => engine.Panel.ScalarAsync<string>("""
        SELECT (SELECT string_agg(id || ':' || rate || ':' || coalesce(markup_applied::text, '-'), ',' ORDER BY id) FROM services) || '|' ||
               (SELECT string_agg(id || ':' || status || ':' || coalesce(decided_at::text, '-'), ',' ORDER BY id) FROM price_changes)
        """);

    private static async Task<List<Change>> ChangesAsync(EngineHarness engine, long service)
    {
        await using var command = engine.Panel.DataSource.CreateCommand("""
            SELECT id, status, old_upstream_rate, new_upstream_rate, old_rate, new_rate, decided_at IS NOT NULL
            FROM price_changes WHERE service_id = $1 ORDER BY id
            """);
        command.Parameters.Add(new() { Value = service });
        var changes = new List<Change>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            changes.Add(new Change(reader.GetInt64(0), reader.GetString(1), Nullable(reader, 2), Nullable(reader, 3), Nullable(reader, 4), Nullable(reader, 5),
                reader.GetBoolean(6)));
        }

        return changes;
    }

    private static decimal? Nullable(NpgsqlDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetDecimal(column);
}
