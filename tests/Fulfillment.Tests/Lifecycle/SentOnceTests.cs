using Fulfillment.Engine.Dispatch;
using Fulfillment.Engine.Jobs;
using Fulfillment.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Fulfillment.Tests.Lifecycle;

/// <summary>
/// Nothing still being sent is recovered as abandoned, a late answer is never dropped, a block since the
/// claim wins, and cancels and refills are sent once whatever happens to their answer.
/// </summary>
public sealed class SentOnceTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private static string Link() => $"https://t.me/c/{Guid.NewGuid():N}";

    /// <summary>Bounded; fails at once when the dispatch pass it waits beside faults.</summary>
    private static Task UntilAsync(Func<Task<bool>> condition, string what, Task dispatching) =>
        Poll.UntilAsync(condition, TimeSpan.FromSeconds(30), what, dispatching);

    [Fact]
    public async Task An_add_still_in_flight_past_abandoned_after_is_not_recovered_and_is_recorded_when_it_answers()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, s => s.LatencyMin = TimeSpan.FromSeconds(4),
            "--Fulfillment:Dispatch:AbandonedAfter=00:01:00", "--Fulfillment:Providers:Defaults:Timeout=00:00:15");
        var (_, service) = await engine.CreateProviderAndServiceAsync();
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        var link = Link();
        var order = await engine.Panel.PlaceOrderAsync(user, service, link, 1000);

        var dispatching = engine.Services.GetRequiredService<DispatchPass>().DrainAsync(CancellationToken.None);
        await UntilAsync(() => Task.FromResult(engine.Simulator.Record.AddCount(link) == 1), "the add to reach the provider", dispatching);
        // A rate-limited provider holds the batch past AbandonedAfter; the dispatcher renews its lease meanwhile.
        engine.Clock.Advance(TimeSpan.FromSeconds(90));
        var now = engine.Clock.GetUtcNow();
        await UntilAsync(async () => await engine.Panel.ScalarAsync<bool>(
            "SELECT updated_at = $2 AND status = 'dispatching' FROM orders WHERE id = $1", order, now), "the lease renewal while the add is in flight", dispatching);
        var (requeued, review) = await Fulfillment.Engine.Dispatch.Sql.RecoverAbandoned.RecoverAsync(engine.Services.GetRequiredService<NpgsqlDataSource>(),
            now - TimeSpan.FromMinutes(2), now - TimeSpan.FromMinutes(1), now, CancellationToken.None);
        Assert.Equal("dispatching", await engine.StatusAsync(order));

        await dispatching;

        Assert.Equal((0, 0), (requeued, review));
        Assert.Equal("in_progress", await engine.StatusAsync(order));
        Assert.Equal(1, engine.Simulator.Record.AddCount(link));
    }

    [Fact]
    public async Task A_late_accepted_answer_for_an_order_moved_to_review_is_kept_and_the_order_tracked()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, s => s.LatencyMin = TimeSpan.FromSeconds(1),
            "--Fulfillment:Providers:Defaults:Timeout=00:00:10");
        var (_, service) = await engine.CreateProviderAndServiceAsync();
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        var link = Link();
        var order = await engine.Panel.PlaceOrderAsync(user, service, link, 1000);

        var dispatching = engine.Services.GetRequiredService<DispatchPass>().DrainAsync(CancellationToken.None);
        await UntilAsync(() => Task.FromResult(engine.Simulator.Record.AddCount(link) == 1), "the add to reach the provider", dispatching);
        // Recovery by another instance, as it would after a lost heartbeat, while the answer is on its way.
        await engine.Panel.ExecuteAsync(
            "UPDATE orders SET status = 'review', claimed_by = NULL, error = 'answer lost: engine stopped while sending' WHERE id = $1", order);
        await dispatching;

        Assert.Equal("in_progress", await engine.StatusAsync(order));
        Assert.NotNull(await engine.Panel.ScalarAsync<string?>("SELECT provider_order_id FROM orders WHERE id = $1", order));
        Assert.Equal(1L, await engine.Panel.ScalarAsync<long>("SELECT count(*) FROM order_events WHERE order_id = $1 AND kind = 'late_answer'", order));
        Assert.Equal(1, engine.Simulator.Record.AddCount(link));
    }

    [Fact]
    public async Task A_block_after_the_order_was_claimed_ahead_wins_and_the_order_is_never_sent()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, s => s.LatencyMin = TimeSpan.FromSeconds(1),
            "--Fulfillment:Dispatch:BatchSize=1", "--Fulfillment:Providers:Defaults:Timeout=00:00:10");
        var (_, service) = await engine.CreateProviderAndServiceAsync();
        var first = await engine.Panel.CreateUserAsync(deposit: 10m);
        var second = await engine.Panel.CreateUserAsync(deposit: 10m);
        var (firstLink, secondLink) = (Link(), Link());
        var a = await engine.Panel.PlaceOrderAsync(first, service, firstLink, 1000);
        var b = await engine.Panel.PlaceOrderAsync(second, service, secondLink, 1000);

        var dispatching = engine.Services.GetRequiredService<DispatchPass>().DrainAsync(CancellationToken.None);
        await UntilAsync(() => Task.FromResult(engine.Simulator.Record.AddCount(firstLink) == 1), "the first add to reach the provider", dispatching);
        await UntilAsync(async () => await engine.StatusAsync(b) == "dispatching", "the second order to be claimed ahead", dispatching);
        await engine.Panel.ExecuteAsync("SELECT block_user($1, 'chargeback')", second);
        await dispatching;
        await engine.RunAsync(JobNames.DispatchOrders);

        Assert.Equal("in_progress", await engine.StatusAsync(a));
        Assert.Equal("canceled", await engine.StatusAsync(b));
        Assert.Equal(0, engine.Simulator.Record.AddCount(secondLink));
        Assert.Equal(1L, await engine.Panel.ScalarAsync<long>(
            "SELECT count(*) FROM order_events WHERE order_id = $1 AND kind = 'dispatch_recovered'", b));
    }

    private static async Task<(EngineHarness Engine, long Order, string Link)> StartedOrderAsync(DatabaseFixture fixture)
    {
        var engine = await EngineHarness.StartAsync(fixture, s => { s.PartialProbability = 0; s.CanceledProbability = 0; });
        var (_, service) = await engine.CreateProviderAndServiceAsync(cancel: true, refill: true);
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        var link = Link();
        var order = await engine.Panel.PlaceOrderAsync(user, service, link, 1000);
        await engine.RunAsync(JobNames.DispatchOrders);
        Assert.Equal("in_progress", await engine.StatusAsync(order));
        return (engine, order, link);
    }

    [Fact]
    public async Task A_cancel_whose_answer_was_lost_is_never_sent_again_and_is_followed_through_the_order()
    {
        var (engine, order, _) = await StartedOrderAsync(fixture);
        await using var _ = engine;
        var request = await engine.Panel.ScalarAsync<long>("SELECT request_cancel($1)", order);
        engine.Simulator.Settings.EmptyBodyRate = 1;

        await engine.RunAsync(JobNames.ProcessOrderRequests);
        engine.Simulator.Settings.EmptyBodyRate = 0;
        for (var i = 0; i < 3; i++)
        {
            engine.Clock.Advance(TimeSpan.FromMinutes(10));
            await engine.RunAsync(JobNames.ProcessOrderRequests);
        }

        Assert.Equal(1L, engine.Simulator.Record.Count("cancel"));
        Assert.Equal("sent", await engine.Panel.ScalarAsync<string>("SELECT status FROM order_requests WHERE id = $1", request));
        Assert.Contains("not sent again", await engine.Panel.ScalarAsync<string>("SELECT message FROM order_requests WHERE id = $1", request),
            StringComparison.Ordinal);
        // The provider did cancel it: the order's status says so, and the request is done.
        await engine.RunAsync(JobNames.SyncOrderStatus);
        engine.Clock.Advance(TimeSpan.FromMinutes(10));
        await engine.RunAsync(JobNames.ProcessOrderRequests);
        Assert.Equal("canceled", await engine.StatusAsync(order));
        Assert.Equal("done", await engine.Panel.ScalarAsync<string>("SELECT status FROM order_requests WHERE id = $1", request));
        Assert.Equal(1L, engine.Simulator.Record.Count("cancel"));
    }

    [Fact]
    public async Task A_refill_whose_answer_was_lost_fails_for_a_person_and_is_never_sent_again()
    {
        var (engine, order, _) = await StartedOrderAsync(fixture);
        await using var _ = engine;
        engine.Clock.Advance(TimeSpan.FromMinutes(10));
        await engine.RunAsync(JobNames.SyncOrderStatus);
        Assert.Equal("completed", await engine.StatusAsync(order));
        var request = await engine.Panel.ScalarAsync<long>("SELECT request_refill($1)", order);
        engine.Simulator.Settings.EmptyBodyRate = 1;

        await engine.RunAsync(JobNames.ProcessOrderRequests);
        engine.Simulator.Settings.EmptyBodyRate = 0;
        engine.Clock.Advance(TimeSpan.FromMinutes(10));
        await engine.RunAsync(JobNames.ProcessOrderRequests);

        Assert.Equal(1L, engine.Simulator.Record.Count("refill"));
        Assert.Equal("failed", await engine.Panel.ScalarAsync<string>("SELECT status FROM order_requests WHERE id = $1", request));
        Assert.Contains("not sent again", await engine.Panel.ScalarAsync<string>("SELECT message FROM order_requests WHERE id = $1", request),
            StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cancel", "sent")]
    [InlineData("refill", "failed")]
    public async Task A_request_marked_as_sending_and_never_recorded_is_not_sent_again(string kind, string expected)
    {
        var (engine, order, _) = await StartedOrderAsync(fixture);
        await using var _ = engine;
        if (kind == "refill")
        {
            engine.Clock.Advance(TimeSpan.FromMinutes(10));
            await engine.RunAsync(JobNames.SyncOrderStatus);
        }

        var request = await engine.Panel.ScalarAsync<long>($"SELECT request_{kind}($1)", order);
        // What a crash between the mark and the recording leaves: pending, marked, its lease over.
        await engine.Panel.ExecuteAsync("UPDATE order_requests SET sending_at = $2, attempts = 1 WHERE id = $1", request, engine.Clock.GetUtcNow());

        await engine.RunAsync(JobNames.ProcessOrderRequests);

        Assert.Equal(0L, engine.Simulator.Record.Count(kind));
        Assert.Equal(expected, await engine.Panel.ScalarAsync<string>("SELECT status FROM order_requests WHERE id = $1", request));
        Assert.Contains("engine stopped", await engine.Panel.ScalarAsync<string>("SELECT message FROM order_requests WHERE id = $1", request),
            StringComparison.Ordinal);
    }
}
