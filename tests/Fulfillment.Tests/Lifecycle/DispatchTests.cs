using Fulfillment.Engine.Jobs;
using Fulfillment.Tests.Infrastructure;

namespace Fulfillment.Tests.Lifecycle;

public sealed class DispatchTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private static string Link() => $"https://instagram.com/p/{Guid.NewGuid():N}";

    [Fact]
    public async Task An_accepted_order_goes_in_progress_with_the_provider_order_id_and_is_sent_once()
    {
        await using var engine = await EngineHarness.StartAsync(fixture);
        var (_, service) = await engine.CreateProviderAndServiceAsync();
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        var link = Link();
        var order = await engine.Panel.PlaceOrderAsync(user, service, link, 1000);

        await engine.RunAsync(JobNames.DispatchOrders);
        await engine.RunAsync(JobNames.DispatchOrders);

        Assert.Equal("in_progress", await engine.StatusAsync(order));
        Assert.False(string.IsNullOrEmpty(await engine.Panel.ScalarAsync<string>("SELECT provider_order_id FROM orders WHERE id = $1", order)));
        Assert.Equal(1, engine.Simulator.Record.AddCount(link));
        Assert.Equal(2L, await engine.Panel.ScalarAsync<long>(
            "SELECT count(*) FROM order_events WHERE order_id = $1 AND kind IN ('dispatching', 'accepted')", order));
    }

    [Theory]
    [InlineData("not a link at all", "Default", "{}", "not a web address")]
    [InlineData("ftp://instagram.com/p/x", "Default", "{}", "not a web address")]
    [InlineData("https://instagram.com/p/x", "Custom Comments", "{}", "needs comments")]
    [InlineData("https://t.me/poll/1", "Poll", "{}", "needs answer_number")]
    [InlineData("https://instagram.com/p/x", "Default", """{"runs": 3, "interval": 10}""", "does not offer it")]
    public async Task An_order_failing_a_check_is_failed_with_a_sentence_and_refunded_in_full(string link, string type, string @params, string expected)
    {
        await using var engine = await EngineHarness.StartAsync(fixture);
        var (_, service) = await engine.CreateProviderAndServiceAsync();
        await engine.Panel.ExecuteAsync("UPDATE services SET dripfeed = true WHERE id = $1", service);
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        var order = await engine.Panel.PlaceOrderAsync(user, service, "https://instagram.com/p/fine", 100, @params);
        // place_order refuses all of these; a careless panel may still edit a pending order's link, or
        // change the service under it, before the engine gets to it.
        await engine.Panel.ExecuteAsync("UPDATE orders SET link = $2 WHERE id = $1", order, link);
        await engine.Panel.ExecuteAsync("UPDATE services SET type = $2, dripfeed = false WHERE id = $1", service, type);

        await engine.RunAsync(JobNames.DispatchOrders);

        Assert.Equal("failed", await engine.StatusAsync(order));
        Assert.Contains(expected, await engine.Panel.ScalarAsync<string>("SELECT error FROM orders WHERE id = $1", order), StringComparison.Ordinal);
        Assert.Equal(10m, await engine.Panel.BalanceAsync(user));
        Assert.Equal(10m, await engine.Panel.LedgerSumAsync(user));
        Assert.Equal(1L, await engine.Panel.ScalarAsync<long>("SELECT count(*) FROM notifications WHERE order_id = $1 AND kind = 'order_failed'", order));
        Assert.Equal(0L, engine.Simulator.Record.Count("add"));
    }

    [Fact]
    public async Task Unmapped_service_and_disabled_provider_fail_before_sending()
    {
        await using var engine = await EngineHarness.StartAsync(fixture);
        var (provider, service) = await engine.CreateProviderAndServiceAsync();
        var (_, unmapped) = await engine.CreateProviderAndServiceAsync();
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        var a = await engine.Panel.PlaceOrderAsync(user, service, Link(), 1000);
        var b = await engine.Panel.PlaceOrderAsync(user, unmapped, Link(), 1000);
        await engine.Panel.ExecuteAsync("UPDATE providers SET enabled = false WHERE id = $1", provider);
        await engine.Panel.ExecuteAsync("UPDATE services SET provider_service_id = NULL WHERE id = $1", unmapped);

        await engine.RunAsync(JobNames.DispatchOrders);

        Assert.Contains("is disabled", await engine.Panel.ScalarAsync<string>("SELECT error FROM orders WHERE id = $1", a), StringComparison.Ordinal);
        Assert.Contains("provider_service_id", await engine.Panel.ScalarAsync<string>("SELECT error FROM orders WHERE id = $1", b), StringComparison.Ordinal);
        Assert.Equal(10m, await engine.Panel.BalanceAsync(user));
    }

    [Fact]
    public async Task A_permanent_refusal_fails_the_order_with_a_full_refund()
    {
        await using var engine = await EngineHarness.StartAsync(fixture);
        var (_, service) = await engine.CreateProviderAndServiceAsync(upstreamService: 999);
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        var order = await engine.Panel.PlaceOrderAsync(user, service, Link(), 1000);

        await engine.RunAsync(JobNames.DispatchOrders);

        Assert.Equal("failed", await engine.StatusAsync(order));
        Assert.Contains("Refused by provider", await engine.Panel.ScalarAsync<string>("SELECT error FROM orders WHERE id = $1", order), StringComparison.Ordinal);
        Assert.Equal(2m, await engine.Panel.ScalarAsync<decimal>("SELECT refunded FROM orders WHERE id = $1", order));
        Assert.Equal(10m, await engine.Panel.BalanceAsync(user));
    }

    [Fact]
    public async Task A_temporary_refusal_waits_with_backoff_and_fails_with_a_refund_after_the_configured_age()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, s => s.Balance = 0m);
        var (_, service) = await engine.CreateProviderAndServiceAsync();
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        var link = Link();
        var order = await engine.Panel.PlaceOrderAsync(user, service, link, 1000);

        await engine.RunAsync(JobNames.DispatchOrders);
        Assert.Equal("pending", await engine.StatusAsync(order));
        Assert.Contains("Waiting to retry", await engine.Panel.ScalarAsync<string>("SELECT error FROM orders WHERE id = $1", order), StringComparison.Ordinal);

        await engine.RunAsync(JobNames.DispatchOrders);
        Assert.Equal(1, engine.Simulator.Record.AddCount(link)); // not due yet: backoff

        engine.Clock.Advance(TimeSpan.FromHours(25));
        await engine.RunAsync(JobNames.DispatchOrders);

        Assert.Equal(2, engine.Simulator.Record.AddCount(link));
        Assert.Equal("failed", await engine.StatusAsync(order));
        Assert.Equal(10m, await engine.Panel.BalanceAsync(user));
    }

    [Fact]
    public async Task An_add_whose_answer_is_lost_goes_to_review_and_is_never_sent_again()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, s =>
        {
            s.AddTimeoutAfterAcceptRate = 1;
            s.AcceptedResponseDelay = TimeSpan.FromSeconds(5);
        }, "--Fulfillment:Providers:Defaults:Timeout=00:00:01.5");
        var (_, service) = await engine.CreateProviderAndServiceAsync();
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        var link = Link();
        var order = await engine.Panel.PlaceOrderAsync(user, service, link, 1000);

        await engine.RunAsync(JobNames.DispatchOrders);
        engine.Clock.Advance(TimeSpan.FromHours(1));
        await engine.RunAsync(JobNames.DispatchOrders);

        Assert.Equal("review", await engine.StatusAsync(order));
        Assert.Contains("release_order", await engine.Panel.ScalarAsync<string>("SELECT error FROM orders WHERE id = $1", order), StringComparison.Ordinal);
        Assert.Equal(1, engine.Simulator.Record.AddCount(link));
        Assert.Equal(0m, await engine.Panel.ScalarAsync<decimal>("SELECT refunded FROM orders WHERE id = $1", order));
    }

    [Fact]
    public async Task An_operator_may_allow_resending_after_a_lost_answer_for_one_provider()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, s =>
        {
            s.AddTimeoutAfterAcceptRate = 1;
            s.AcceptedResponseDelay = TimeSpan.FromSeconds(5);
        }, "--Fulfillment:Providers:Defaults:Timeout=00:00:01.5", "--Fulfillment:Providers:Overrides:risky:AllowResendOnUnknown=true");
        var (_, service) = await engine.CreateProviderAndServiceAsync(providerName: "risky");
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        var order = await engine.Panel.PlaceOrderAsync(user, service, Link(), 1000);

        await engine.RunAsync(JobNames.DispatchOrders);

        Assert.Equal("pending", await engine.StatusAsync(order));
        Assert.Contains("resending", await engine.Panel.ScalarAsync<string>("SELECT error FROM orders WHERE id = $1", order), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_provider_below_its_minimum_balance_pauses_dispatch_and_resumes_by_itself()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, s => s.Balance = 5m);
        var (provider, service) = await engine.CreateProviderAndServiceAsync();
        await engine.Panel.ExecuteAsync("UPDATE providers SET min_balance = 50 WHERE id = $1", provider);
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        var link = Link();
        var order = await engine.Panel.PlaceOrderAsync(user, service, link, 1000);

        await engine.RunAsync(JobNames.CheckProviderBalances);
        await engine.RunAsync(JobNames.DispatchOrders);

        Assert.Equal(5m, await engine.Panel.ScalarAsync<decimal>("SELECT balance FROM providers WHERE id = $1", provider));
        Assert.Equal("pending", await engine.StatusAsync(order));
        Assert.Equal(0, engine.Simulator.Record.AddCount(link));

        engine.Simulator.Settings.Balance = 500m;
        await engine.RunAsync(JobNames.CheckProviderBalances);
        engine.Clock.Advance(TimeSpan.FromMinutes(2));
        await engine.RunAsync(JobNames.DispatchOrders);

        Assert.Equal("in_progress", await engine.StatusAsync(order));
        Assert.Null(await engine.Panel.ScalarAsync<string?>("SELECT paused_reason FROM providers WHERE id = $1", provider));
    }

    [Theory]
    [InlineData(false, "in_progress", 1)]
    [InlineData(true, "review", 0)]
    public async Task An_order_abandoned_in_dispatching_by_a_dead_engine_is_requeued_only_if_it_provably_never_left(
        bool markedSending, string expected, int adds)
    {
        await using var engine = await EngineHarness.StartAsync(fixture);
        var (_, service) = await engine.CreateProviderAndServiceAsync();
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        var link = Link();
        var order = await engine.Panel.PlaceOrderAsync(user, service, link, 1000);
        await engine.Panel.ExecuteAsync("""
            WITH claimed AS (
                UPDATE orders SET status = 'dispatching', claimed_by = gen_random_uuid(), updated_at = $2 WHERE id = $1 RETURNING id, provider_id)
            INSERT INTO order_attempts (order_id, provider_id, route_position, sent_at, outcome)
            SELECT id, provider_id, 0, $2, 'sending' FROM claimed WHERE $3
            """, order, engine.Clock.GetUtcNow().AddMinutes(-5), markedSending);

        await engine.RunAsync(JobNames.DispatchOrders);

        Assert.Equal(expected, await engine.StatusAsync(order));
        Assert.Equal(adds, engine.Simulator.Record.AddCount(link));
    }
}
