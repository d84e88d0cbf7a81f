using Fulfillment.Tests.Infrastructure;
using Fulfillment.Worker.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Fulfillment.Tests.Host;

/// <summary>
/// The engine's pooled connections keep their server process's cached plans between uses (No Reset On Close), unless
/// the operator's connection string says otherwise.
/// </summary>
public sealed class ConnectionResetTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    [Theory]
    [InlineData("", true)]
    [InlineData(";No Reset On Close=false", false)]
    public async Task A_pooled_connection_is_not_reset_on_return_unless_the_operator_asks(string option, bool kept)
    {
        using var host = EngineHost.CreateBuilder(EngineMode.Tool,
            [.. FastEngine.Settings(fixture.ConnectionString + option, "reset-" + kept)]).Build();
        var db = host.Services.GetRequiredService<NpgsqlDataSource>();
        int pid;
        await using (var connection = await db.OpenConnectionAsync())
        {
            pid = connection.ProcessID;
            await using var prepare = new NpgsqlCommand("PREPARE reset_probe AS SELECT 1", connection);
            await prepare.ExecuteNonQueryAsync();
        }

        // The same server process again (the pool hands back its one idle connection): is what it had prepared still there?
        await using (var connection = await db.OpenConnectionAsync())
        {
            Assert.Equal(pid, connection.ProcessID);
            await using var probe = new NpgsqlCommand("SELECT count(*) FROM pg_prepared_statements WHERE name = 'reset_probe'", connection);
            Assert.Equal(kept ? 1L : 0L, (long)(await probe.ExecuteScalarAsync())!);
        }
    }
}
