using Fulfillment.Engine.Heartbeat;
using Fulfillment.Engine.Jobs;
using Fulfillment.Engine.Telemetry;
using Fulfillment.Simulator;
using Fulfillment.Tests.Infrastructure;
using Fulfillment.Worker.Cli;
using Fulfillment.Worker.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Fulfillment.Tests.Host;

/// <summary>
/// SyncOrderStatus runs on every instance: each fires its own passes, and the claim (SKIP LOCKED, a lease) keeps two
/// instances from asking about the same order. The simulator's clock is a fake one, so every order it holds has ended
/// (completed, or partial or canceled) the moment the test says so, and each order's first check is its last.
/// </summary>
public sealed class InstanceJobsTests(FreshDatabases databases) : IClassFixture<FreshDatabases>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Two_instances_both_run_status_passes_and_no_order_is_asked_about_twice()
    {
        const int orders = 1500;
        await using var setup = await InProgressOrdersAsync(orders);
        string[] settings =
        [
            .. FastEngine.Settings(setup.Database, "status-a"),
            "--Fulfillment:Jobs:DispatchOrders:Enabled=false",
            "--Fulfillment:Jobs:ProcessOrderRequests:Enabled=false",
            "--Fulfillment:Tracking:BatchSize=100",
            // An order answered "in progress" is not due again within the test: any second question would be a double.
            "--Fulfillment:Tracking:MinInterval=00:10:00",
            "--Fulfillment:Tracking:MaxInterval=00:30:00",
        ];
        using var a = EngineHost.CreateBuilder(EngineMode.Service, settings).Build();
        using var b = EngineHost.CreateBuilder(EngineMode.Service, [.. settings, "--Fulfillment:Engine:InstanceName=status-b"]).Build();
        await a.StartAsync();
        await b.StartAsync();
        try
        {
            // Both instances fire passes of their own (nothing is due yet), then every order becomes due at once.
            await Poll.UntilAsync(() => Runs(a) >= 2 && Runs(b) >= 2, Patience, "both instances to run SyncOrderStatus passes");
            setup.Simulator.Settings.LatencyMin = TimeSpan.FromMilliseconds(50);
            setup.Simulator.Settings.LatencyMax = TimeSpan.FromMilliseconds(100);
            setup.Clock.Advance(TimeSpan.FromDays(2));
            await setup.Panel.ExecuteAsync("UPDATE orders SET next_check_at = now() WHERE status = 'in_progress'");

            await Poll.UntilAsync(async () => await setup.Panel.ScalarAsync<long>("SELECT count(*) FROM orders WHERE status = 'in_progress'") == 0,
                Patience, () => $"every order to be checked and finished: {setup.Panel.ScalarAsync<string>(
                    "SELECT string_agg(status || ' ' || n, ', ') FROM (SELECT status, count(*) n FROM orders GROUP BY 1) s").Result}, "
                    + $"{setup.Simulator.Record.Count("status")} status calls, runs a {Runs(a)} b {Runs(b)}");
        }
        finally
        {
            await a.StopAsync();
            await b.StopAsync();
        }

        var asked = setup.Simulator.Record.Requests("status")
            .SelectMany(r => (r.Field("orders") ?? r.Field("order") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
            .GroupBy(id => id).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(orders, asked.Count);
        Assert.DoesNotContain(asked, kv => kv.Value > 1);
        // Each instance finished a share of them: both passes did the work, side by side.
        var finishedByA = Finished(a);
        var finishedByB = Finished(b);
        Assert.True(finishedByA > 0 && finishedByB > 0, $"finished by a: {finishedByA}, by b: {finishedByB}");
        Assert.Equal(orders, finishedByA + finishedByB);
    }

    [Fact]
    public async Task Run_once_runs_SyncOrderStatus_now()
    {
        await using var setup = await InProgressOrdersAsync(3);
        setup.Clock.Advance(TimeSpan.FromDays(2));
        await setup.Panel.ExecuteAsync("UPDATE orders SET next_check_at = now() WHERE status = 'in_progress'");

        Assert.Equal(0, await EngineCommandLine.RunAsync(["run-once", JobNames.SyncOrderStatus, $"--ConnectionStrings:Panel={setup.Database}"]));

        Assert.Equal(0L, await setup.Panel.ScalarAsync<long>("SELECT count(*) FROM orders WHERE status = 'in_progress'"));
    }

    private static long Runs(IHost host) =>
        host.Services.GetRequiredService<EngineActivity>().Snapshot().GetValueOrDefault(JobNames.SyncOrderStatus)?.Runs ?? 0;

    private static long Finished(IHost host) => host.Services.GetRequiredService<EngineMetrics>().Totals().Finished.Values.Sum();

    /// <summary>Orders placed and sent by <c>run-once DispatchOrders</c>, in progress at a simulator whose clock the test moves, none due yet.</summary>
    private async Task<Arranged> InProgressOrdersAsync(int count)
    {
        var database = await databases.CreateAsync();
        var source = NpgsqlDataSource.Create(database);
        var panel = new Panel(source);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var simulator = await ProviderSimulator.StartAsync(new SimulatorSettings { ApiKey = "k" }, clock);
        var provider = await panel.CreateProviderAsync(url: simulator.ApiUrl.ToString(), key: "k");
        var service = await panel.CreateServiceAsync(provider, rate: 1m, min: 50, providerServiceId: "1");
        var user = await panel.CreateUserAsync(deposit: 10_000m);
        await panel.ExecuteAsync("SELECT place_order($1, $2, 'https://instagram.com/p/status-' || g, 100) FROM generate_series(1, $3) g", user, service, count);
        Assert.Equal(0, await EngineCommandLine.RunAsync(
            ["run-once", JobNames.DispatchOrders, $"--ConnectionStrings:Panel={database}", "--Serilog:MinimumLevel:Default=Warning"]));
        Assert.Equal(count, await panel.ExecuteAsync("UPDATE orders SET next_check_at = now() + interval '1 hour' WHERE status = 'in_progress'"));
        return new Arranged(database, source, panel, clock, simulator);
    }

    private sealed record Arranged(string Database, NpgsqlDataSource Source, Panel Panel, FakeTimeProvider Clock, ProviderSimulator Simulator) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Simulator.DisposeAsync();
            await Source.DisposeAsync();
        }
    }
}
