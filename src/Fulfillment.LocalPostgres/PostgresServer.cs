using Npgsql;

namespace Fulfillment.LocalPostgres;

/// <summary>
/// A PostgreSQL server to run against, found the same way by the tests, the demo and the
/// benchmarks: <c>FULFILLMENT_TEST_POSTGRES</c> first, then a Testcontainers container when a
/// Docker engine answers, then a throwaway cluster started from local PostgreSQL binaries.
/// </summary>
public abstract class PostgresServer : IAsyncDisposable
{
    public const string EnvironmentVariable = "FULFILLMENT_TEST_POSTGRES";

    /// <summary>A superuser connection string to the server's maintenance database.</summary>
    public abstract string AdminConnectionString { get; }

    /// <summary>Where the server came from, for logs: "environment", "testcontainers" or "local binaries".</summary>
    public abstract string Source { get; }

    public static async Task<PostgresServer> StartAsync(Action<string>? log = null, CancellationToken ct = default)
    {
        log ??= _ => { };
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            log($"PostgreSQL: using {EnvironmentVariable}");
            return new ExternalPostgresServer(fromEnvironment);
        }

        if (ContainerPostgresServer.DockerEngineMayAnswer())
        {
            try
            {
                var container = await ContainerPostgresServer.StartAsync(ct);
                log("PostgreSQL: started a Testcontainers container");
                return container;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                log($"PostgreSQL: no Docker engine answered ({ex.GetType().Name}); falling back to local binaries");
            }
        }

        var local = await LocalBinariesPostgresServer.StartAsync(ct);
        log($"PostgreSQL: started a throwaway cluster from {local.BinDirectory} on port {local.Port}");
        return local;
    }

    /// <summary>
    /// A server that the caller owns and may restart, for tests of a database restart: a throwaway
    /// cluster from local binaries when the machine has them, otherwise a dedicated container. Never the
    /// server of <c>FULFILLMENT_TEST_POSTGRES</c>, which other users may share and is not ours to restart.
    /// </summary>
    public static async Task<PostgresServer> StartOwnAsync(Action<string>? log = null, CancellationToken ct = default)
    {
        log ??= _ => { };
        if (LocalBinariesPostgresServer.FindBinDirectory() is not null)
        {
            var local = await LocalBinariesPostgresServer.StartAsync(ct);
            log($"PostgreSQL (own): started a throwaway cluster from {local.BinDirectory} on port {local.Port}");
            return local;
        }

        if (ContainerPostgresServer.DockerEngineMayAnswer())
        {
            var container = await ContainerPostgresServer.StartAsync(ct, fixedHostPort: true);
            log("PostgreSQL (own): started a dedicated Testcontainers container");
            return container;
        }

        throw new InvalidOperationException(
            "A restartable PostgreSQL server is needed: install PostgreSQL (initdb and pg_ctl on PATH or under " +
            "/usr/lib/postgresql/*/bin) or start a Docker engine. " + EnvironmentVariable + " cannot serve here: it is not ours to restart.");
    }

    /// <summary>Whether <see cref="RestartAsync"/> works: the server is this process's own.</summary>
    public virtual bool CanRestart => false;

    /// <summary>Stops the server (fast shutdown: every connection is cut) and starts it again on the same address.</summary>
    public virtual Task RestartAsync(CancellationToken ct = default) =>
        throw new NotSupportedException($"A PostgreSQL server from {Source} cannot be restarted by the tests.");

    /// <summary>Creates an empty database, or a copy of <paramref name="template"/>, and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string name, string? template = null, CancellationToken ct = default)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync(ct);
        var sql = $"CREATE DATABASE {Quote(name)}" + (template is null ? "" : $" TEMPLATE {Quote(template)}");
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
        return ConnectionStringFor(name);
    }

    public async Task DropDatabaseAsync(string name, CancellationToken ct = default)
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Quote(name)} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    public string ConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = database }.ConnectionString;

    public abstract ValueTask DisposeAsync();

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}

internal sealed class ExternalPostgresServer(string connectionString) : PostgresServer
{
    public override string AdminConnectionString { get; } = connectionString;
    public override string Source => "environment";
    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
