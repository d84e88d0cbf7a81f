using Testcontainers.PostgreSql;

namespace Fulfillment.LocalPostgres;

internal sealed class ContainerPostgresServer(PostgreSqlContainer container) : PostgresServer
{
    public override string AdminConnectionString { get; } = container.GetConnectionString();
    public override string Source => "testcontainers";

    /// <summary>Cheap pre-check so a machine without Docker does not wait on a connection attempt.</summary>
    public static bool DockerEngineMayAnswer() =>
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOCKER_HOST"))
        || File.Exists("/var/run/docker.sock")
        || File.Exists(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".docker", "run", "docker.sock"));

    public override bool CanRestart => true;

    /// <param name="fixedHostPort">
    /// Binds a host port chosen now rather than a random one, which Docker would choose again on every
    /// start: a restarted container must keep the address its clients reconnect to.
    /// </param>
    public static async Task<ContainerPostgresServer> StartAsync(CancellationToken ct, bool fixedHostPort = false)
    {
        var builder = new PostgreSqlBuilder("postgres:17-alpine")
            .WithCommand("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=400");
        if (fixedHostPort)
        {
            builder = builder.WithPortBinding(LocalBinariesPostgresServer.FreePort(), PostgreSqlBuilder.PostgreSqlPort);
        }

        var container = builder.Build();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromMinutes(3));
        await container.StartAsync(timeout.Token);
        return new ContainerPostgresServer(container);
    }

    /// <summary>docker stop (PostgreSQL's fast shutdown) and docker start of the same container: same data, same port.</summary>
    public override async Task RestartAsync(CancellationToken ct = default)
    {
        await container.StopAsync(ct);
        await container.StartAsync(ct);
        Npgsql.NpgsqlConnection.ClearAllPools(); // this process's pooled connections to it were all cut
    }

    public override async ValueTask DisposeAsync() => await container.DisposeAsync();
}
