using System.Diagnostics;
using Fulfillment.Engine.Heartbeat;
using Fulfillment.Engine.Jobs;
using Fulfillment.Tests.Infrastructure;
using Fulfillment.Worker.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Fulfillment.Tests.Host;

public sealed class EngineLifecycleTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private readonly Panel _panel = new(fixture.DataSource);

    private string[] FastSettings(string name) =>
    [
        $"--ConnectionStrings:Panel={fixture.ConnectionString}",
        $"--Fulfillment:Engine:InstanceName={name}",
        "--Fulfillment:Engine:HeartbeatInterval=00:00:00.2",
        "--Fulfillment:Engine:StaleInstanceAfter=00:00:30",
        "--Fulfillment:Scheduler:CheckinInterval=00:00:01",
        "--Fulfillment:Jobs:Heartbeat:Interval=00:00:00.25",
    ];

    [Fact]
    public async Task Two_instances_both_heartbeat_and_each_job_fire_runs_on_only_one_of_them()
    {
        using var a = EngineHost.CreateBuilder(EngineMode.Service, FastSettings("engine-a")).Build();
        using var b = EngineHost.CreateBuilder(EngineMode.Service, FastSettings("engine-b")).Build();
        await a.StartAsync();
        await b.StartAsync();

        IReadOnlyList<DateTimeOffset> Fires(IHost host) =>
            host.Services.GetRequiredService<EngineActivity>().Snapshot().GetValueOrDefault(JobNames.Heartbeat)?.RecentScheduledFireTimes ?? [];

        // Both beat, and the Heartbeat job fires repeatedly: as soon as that is so, however loaded the machine.
        await Poll.UntilAsync(async () => await _panel.ScalarAsync<long>(
                "SELECT count(*) FROM engine_instances WHERE host IN ('engine-a', 'engine-b') AND heartbeat_at > now() - interval '2 seconds'") == 2
                && Fires(a).Count + Fires(b).Count >= 8,
            TimeSpan.FromSeconds(60), "both instances to heartbeat and the Heartbeat job to fire 8 times");

        // Each fire ran on one instance only.
        Assert.Empty(Fires(a).Intersect(Fires(b)));

        await a.StopAsync();
        await b.StopAsync();
        Assert.Equal(0L, await _panel.ScalarAsync<long>("SELECT count(*) FROM engine_instances WHERE host IN ('engine-a', 'engine-b')"));
    }

    [Fact]
    public async Task The_heartbeat_job_removes_instances_that_stopped_heartbeating()
    {
        await _panel.ExecuteAsync("""
            INSERT INTO engine_instances (id, host, version, started_at, heartbeat_at)
            VALUES (gen_random_uuid(), 'crashed-engine', 'x', now() - interval '1 hour', now() - interval '10 minutes')
            """);

        Assert.Equal(0, await Fulfillment.Worker.Cli.EngineCommandLine.RunAsync(
            ["run-once", "Heartbeat", $"--ConnectionStrings:Panel={fixture.ConnectionString}"]));

        Assert.Equal(0L, await _panel.ScalarAsync<long>("SELECT count(*) FROM engine_instances WHERE host = 'crashed-engine'"));
    }

    [Fact]
    public async Task Run_registers_heartbeats_and_stops_cleanly_within_five_seconds_of_sigterm()
    {
        using var engine = EngineProcess.Start(["run", .. FastSettings("engine-sigterm")]);
        var registered = Stopwatch.StartNew();
        while (await _panel.ScalarAsync<long>("SELECT count(*) FROM engine_instances WHERE host = 'engine-sigterm'") == 0)
        {
            Assert.True(registered.Elapsed < TimeSpan.FromSeconds(60), "the engine never registered:\n" + engine.Output);
            await Task.Delay(100);
        }

        var firstBeat = await _panel.ScalarAsync<DateTime>("SELECT heartbeat_at FROM engine_instances WHERE host = 'engine-sigterm'");
        // It beats again (within seconds, however loaded the machine running the tests is).
        var beating = Stopwatch.StartNew();
        while (await _panel.ScalarAsync<DateTime>("SELECT heartbeat_at FROM engine_instances WHERE host = 'engine-sigterm'") <= firstBeat)
        {
            Assert.True(beating.Elapsed < TimeSpan.FromSeconds(15), "the heartbeat never moved:\n" + engine.Output);
            await Task.Delay(100);
        }

        var stopping = Stopwatch.StartNew();
        engine.SendSigterm();
        var exit = await engine.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(5), $"stopped in {stopping.Elapsed}:\n{engine.Output}");
        Assert.True(exit == 0, $"exit code {exit}:\n{engine.Output}");
        Assert.Equal(0L, await _panel.ScalarAsync<long>("SELECT count(*) FROM engine_instances WHERE host = 'engine-sigterm'"));
    }

    [Fact]
    public async Task Sigterm_while_starting_is_a_clean_stop()
    {
        using var engine = EngineProcess.Start(["run", .. FastSettings("engine-early-stop")]);
        // The first line is the schema check; the scheduler is still starting.
        var started = Stopwatch.StartNew();
        while (!engine.Output.Contains("schema is up to date", StringComparison.Ordinal))
        {
            Assert.True(started.Elapsed < TimeSpan.FromSeconds(60), "the engine never checked the schema:\n" + engine.Output);
            await Task.Delay(5);
        }

        engine.SendSigterm();
        var exit = await engine.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.True(exit == 0, $"exit code {exit}:\n{engine.Output}");
        Assert.Equal(0L, await _panel.ScalarAsync<long>("SELECT count(*) FROM engine_instances WHERE host = 'engine-early-stop'"));
    }
}
