using Fulfillment.Tests.Infrastructure;
using Fulfillment.Worker.Cli;

namespace Fulfillment.Tests.Retention;

/// <summary>The job as an operator runs it: <c>run-once PurgeExpiredData</c>, with the shipped configuration and the real clock.</summary>
public sealed class PurgeExpiredDataJobTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task Run_once_PurgeExpiredData_deletes_expired_rows_and_keeps_recent_ones()
    {
        var panel = new Panel(fixture.DataSource);
        var expired = await panel.ScalarAsync<long>("INSERT INTO activity_log (ip, action, created_at) VALUES ('198.51.100.1', 'login', now() - interval '400 days') RETURNING id");
        var recent = await panel.ScalarAsync<long>("INSERT INTO activity_log (ip, action, created_at) VALUES ('198.51.100.1', 'login', now() - interval '300 days') RETURNING id");

        var exit = await EngineCommandLine.RunAsync(["run-once", "PurgeExpiredData", $"--ConnectionStrings:Panel={fixture.ConnectionString}"]);

        Assert.Equal(EngineCommandLine.Ok, exit);
        Assert.False(await panel.ScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM activity_log WHERE id = $1)", expired));
        Assert.True(await panel.ScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM activity_log WHERE id = $1)", recent));
    }
}
