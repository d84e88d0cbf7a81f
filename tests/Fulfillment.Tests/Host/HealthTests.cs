using Fulfillment.Tests.Infrastructure;
using Fulfillment.Worker.Cli;

namespace Fulfillment.Tests.Host;

/// <summary><c>fulfillment health</c> against a real engine process: the verb a container orchestrator probes.</summary>
public sealed class HealthTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private readonly Panel _panel = new(fixture.DataSource);

    [Fact]
    public async Task Health_exits_0_while_the_instance_heartbeats_and_1_once_it_is_dead_and_its_heartbeat_stale()
    {
        var healthFile = Path.Combine(Path.GetTempPath(), $"fulfillment-health-{Guid.NewGuid():N}.json");
        using var engine = EngineProcess.Start(["run", .. Settings("health-killed", healthFile)]);
        await WaitForRegistrationAsync("health-killed", healthFile, engine);

        // As the orchestrator runs it: its own process, the same configuration.
        using (var probe = EngineProcess.Start(["health", .. Settings("health-killed", healthFile)]))
        {
            var exit = await probe.WaitForExitAsync(TimeSpan.FromSeconds(60));
            Assert.True(exit == 0, probe.Output);
            Assert.Contains("healthy: instance", probe.Output, StringComparison.Ordinal);
        }

        engine.Kill(); // the health file and the row stay behind, as after a crash or a hang
        Assert.Equal(0, await HealthAsync("health-killed", healthFile)); // still within StaleInstanceAfter
        await _panel.ExecuteAsync("UPDATE engine_instances SET heartbeat_at = now() - interval '10 minutes' WHERE host = 'health-killed'");
        Assert.Equal(1, await HealthAsync("health-killed", healthFile));
        await _panel.ExecuteAsync("DELETE FROM engine_instances WHERE host = 'health-killed'");
        Assert.Equal(1, await HealthAsync("health-killed", healthFile));
        File.Delete(healthFile);
    }

    [Fact]
    public async Task Health_exits_1_without_a_running_engine_and_after_a_clean_stop()
    {
        var healthFile = Path.Combine(Path.GetTempPath(), $"fulfillment-health-{Guid.NewGuid():N}.json");
        Assert.Equal(1, await HealthAsync("health-stopped", healthFile));

        using var engine = EngineProcess.Start(["run", .. Settings("health-stopped", healthFile)]);
        await WaitForRegistrationAsync("health-stopped", healthFile, engine);
        Assert.Equal(0, await HealthAsync("health-stopped", healthFile));

        engine.SendSigterm();
        Assert.Equal(0, await engine.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.False(File.Exists(healthFile), "a clean stop leaves no health file behind");
        Assert.Equal(1, await HealthAsync("health-stopped", healthFile));
    }

    private string[] Settings(string name, string healthFile) =>
        [.. FastEngine.Settings(fixture.ConnectionString, name), $"--Fulfillment:Engine:HealthFile={healthFile}"];

    private Task<int> HealthAsync(string name, string healthFile) => EngineCommandLine.RunAsync(["health", .. Settings(name, healthFile)]);

    /// <summary>The engine writes its health file right after its first heartbeat registered it.</summary>
    private async Task WaitForRegistrationAsync(string name, string healthFile, EngineProcess engine) =>
        await Poll.UntilAsync(async () => File.Exists(healthFile)
                && await _panel.ScalarAsync<long>("SELECT count(*) FROM engine_instances WHERE host = $1", name) == 1,
            TimeSpan.FromSeconds(60), () => "the engine never registered:\n" + engine.Output);
}
