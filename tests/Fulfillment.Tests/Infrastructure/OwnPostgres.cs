using Fulfillment.Data;
using Fulfillment.LocalPostgres;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Fulfillment.Tests.Infrastructure;

/// <summary>
/// A PostgreSQL server of this test class's own (<see cref="PostgresServer.StartOwnAsync"/>), which its
/// tests may restart without disturbing the shared server every other class runs on.
/// </summary>
public sealed class OwnPostgres : IAsyncLifetime
{
    public PostgresServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await PostgresServer.StartOwnAsync(Console.WriteLine);

    /// <summary>
    /// A migrated database and a login role of its own for the engine (a superuser, so it creates the
    /// Quartz tables): ALTER ROLE ... NOLOGIN keeps the engine out while the test itself stays in.
    /// </summary>
    public async Task<(string Admin, string Engine, string Role)> CreateDatabaseAsync()
    {
        var suffix = Guid.NewGuid().ToString("N")[..10];
        var admin = await Server.CreateDatabaseAsync($"restart_{suffix}");
        var role = $"engine_{suffix}";
        await using (var source = NpgsqlDataSource.Create(admin))
        {
            await new Panel(source).ExecuteAsync($"CREATE ROLE {role} LOGIN SUPERUSER PASSWORD 'engine'");
        }

        await Fulfillment.Worker.Cli.SchemaMigrator.MigrateAsync(admin, "qrtz_");

        var engine = new NpgsqlConnectionStringBuilder(admin) { Username = role, Password = "engine" }.ConnectionString;
        return (admin, engine, role);
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
