using Fulfillment.Engine.Jobs;
using Fulfillment.Tests.Infrastructure;

namespace Fulfillment.Tests.Activations;

/// <summary>SMS activations (MrSMS, seed 003) through the simulator's sms-activate protocol.</summary>
public sealed class ActivationTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private const string Params = """{"country":"0","service_code":"tg"}""";

    [Fact]
    public async Task A_received_code_completes_the_activation_with_phone_and_code_in_result_and_no_refund()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, s => s.SmsCodeAfter = TimeSpan.FromSeconds(30));
        var (_, service) = await engine.CreateActivationServiceAsync(rate: 0.5m);
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        var order = await engine.Panel.PlaceOrderAsync(user, service, "", 1, Params);

        await engine.RunAsync(JobNames.DispatchOrders);
        Assert.Equal("in_progress", await engine.StatusAsync(order));
        Assert.False(string.IsNullOrEmpty(await engine.Panel.ScalarAsync<string?>("SELECT result->>'phone' FROM orders WHERE id = $1", order)));

        engine.Clock.Advance(TimeSpan.FromSeconds(10));
        await engine.RunAsync(JobNames.SyncOrderStatus);
        Assert.Equal("in_progress", await engine.StatusAsync(order));

        engine.Clock.Advance(TimeSpan.FromSeconds(30));
        await engine.RunAsync(JobNames.SyncOrderStatus);

        Assert.Equal("completed", await engine.StatusAsync(order));
        Assert.Matches("^[0-9]+$", await engine.Panel.ScalarAsync<string>("SELECT result->'codes'->0->>'code' FROM orders WHERE id = $1", order));
        Assert.Equal(9.5m, await engine.Panel.BalanceAsync(user));
        Assert.Equal(0L, await engine.Panel.ScalarAsync<long>("SELECT count(*) FROM ledger WHERE order_id = $1 AND kind = 'refund'", order));
        Assert.Contains(engine.Simulator.Record.Requests("setStatus"), r => r.Fields.GetValueOrDefault("status") == "6");
        Assert.Equal(1L, engine.Simulator.Record.Count("getNumber"));
    }

    [Fact]
    public async Task No_code_within_the_window_cancels_at_the_provider_and_refunds_exactly_once()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, s =>
        {
            s.SmsNoCodeProbability = 1;
            s.SmsEarlyCancelWindow = TimeSpan.FromMinutes(2);
        }, "--Fulfillment:Activations:Window=00:10:00");
        var (_, service) = await engine.CreateActivationServiceAsync(rate: 0.5m);
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        var order = await engine.Panel.PlaceOrderAsync(user, service, "", 1, Params);
        await engine.RunAsync(JobNames.DispatchOrders);

        engine.Clock.Advance(TimeSpan.FromMinutes(11));
        await engine.RunAsync(JobNames.SyncOrderStatus);
        await engine.Panel.ExecuteAsync("UPDATE orders SET next_check_at = $2 WHERE id = $1", order, engine.Clock.GetUtcNow());
        await engine.RunAsync(JobNames.SyncOrderStatus);

        Assert.Equal("canceled", await engine.StatusAsync(order));
        Assert.Contains(engine.Simulator.Record.Requests("setStatus"), r => r.Fields.GetValueOrDefault("status") == "8");
        Assert.Equal(10m, await engine.Panel.BalanceAsync(user));
        Assert.Equal(1L, await engine.Panel.ScalarAsync<long>("SELECT count(*) FROM ledger WHERE order_id = $1 AND kind = 'refund'", order));
    }

    [Fact]
    public async Task No_numbers_waits_and_tries_again_then_fails_with_a_refund_after_the_configured_age()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, s => s.SmsNoNumbersRate = 1, "--Fulfillment:Dispatch:GiveUpAfter=01:00:00");
        var (_, service) = await engine.CreateActivationServiceAsync(rate: 0.5m);
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        var order = await engine.Panel.PlaceOrderAsync(user, service, "", 1, Params);

        await engine.RunAsync(JobNames.DispatchOrders);
        Assert.Equal("pending", await engine.StatusAsync(order));
        engine.Clock.Advance(TimeSpan.FromMinutes(5));
        await engine.RunAsync(JobNames.DispatchOrders);
        Assert.Equal("pending", await engine.StatusAsync(order));
        Assert.Equal(2L, engine.Simulator.Record.Count("getNumber"));

        engine.Clock.Advance(TimeSpan.FromHours(2));
        await engine.RunAsync(JobNames.DispatchOrders);

        Assert.Equal("failed", await engine.StatusAsync(order));
        Assert.Equal(10m, await engine.Panel.BalanceAsync(user));
    }

    [Fact]
    public async Task A_user_cancel_before_the_code_is_retried_after_early_cancel_denied_then_refunded()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, s =>
        {
            s.SmsCodeAfter = TimeSpan.FromHours(1);
            s.SmsEarlyCancelWindow = TimeSpan.FromMinutes(2);
        });
        var (_, service) = await engine.CreateActivationServiceAsync(rate: 0.5m);
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        var order = await engine.Panel.PlaceOrderAsync(user, service, "", 1, Params);
        await engine.RunAsync(JobNames.DispatchOrders);
        var request = await engine.Panel.ScalarAsync<long>("SELECT request_cancel($1)", order);

        await engine.RunAsync(JobNames.ProcessOrderRequests);
        Assert.Equal("pending", await engine.Panel.ScalarAsync<string>("SELECT status FROM order_requests WHERE id = $1", request));
        Assert.Equal("in_progress", await engine.StatusAsync(order));

        engine.Clock.Advance(TimeSpan.FromMinutes(3));
        await engine.RunAsync(JobNames.ProcessOrderRequests);

        Assert.Equal("done", await engine.Panel.ScalarAsync<string>("SELECT status FROM order_requests WHERE id = $1", request));
        Assert.Equal("canceled", await engine.StatusAsync(order));
        Assert.Equal(10m, await engine.Panel.BalanceAsync(user));
        Assert.Equal(2, engine.Simulator.Record.Requests("setStatus").Count(r => r.Fields.GetValueOrDefault("status") == "8"));
    }

    [Fact]
    public async Task A_lost_get_number_answer_goes_to_review_and_no_second_number_is_rented()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, s => s.SmsAbortAfterRentRate = 1);
        var (_, service) = await engine.CreateActivationServiceAsync(rate: 0.5m);
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        var order = await engine.Panel.PlaceOrderAsync(user, service, "", 1, Params);

        await engine.RunAsync(JobNames.DispatchOrders);
        engine.Clock.Advance(TimeSpan.FromHours(1));
        await engine.RunAsync(JobNames.DispatchOrders);

        Assert.Equal("review", await engine.StatusAsync(order));
        Assert.Equal(1L, engine.Simulator.Record.Count("getNumber"));
    }
}
