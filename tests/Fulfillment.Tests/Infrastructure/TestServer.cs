using Fulfillment.LocalPostgres;
using Fulfillment.Worker.Cli;
using Npgsql;

namespace Fulfillment.Tests.Infrastructure;

/// <summary>
/// One PostgreSQL server for the whole test run (found by <see cref="PostgresServer"/>: the
/// environment variable, then Testcontainers, then local binaries), and one migrated template
/// database that every test class copies, so each class gets a fresh database in milliseconds.
/// </summary>
public static class TestServer
{
    private static readonly Lazy<Task<(PostgresServer Server, string Template)>> Shared = new(StartAsync);

    public static Task<(PostgresServer Server, string Template)> GetAsync() => Shared.Value;

    private static async Task<(PostgresServer, string)> StartAsync()
    {
        var server = await PostgresServer.StartAsync(Console.WriteLine);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        var template = $"fulfillment_template_{Environment.ProcessId}_{Guid.NewGuid().ToString("N")[..6]}";
        var connectionString = await server.CreateDatabaseAsync(template);

        // No pooling: CREATE DATABASE ... TEMPLATE refuses while any connection to the template is open.
        var unpooled = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;
        await SchemaMigrator.MigrateAsync(unpooled, "qrtz_");

        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            if (server.Source == "environment")
            {
                server.DropDatabaseAsync(template).GetAwaiter().GetResult();
            }
        };
        return (server, template);
    }
}
