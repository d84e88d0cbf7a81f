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

    public static async Task<ContainerPostgresServer> StartAsync(CancellationToken ct)
    {
        var container = new PostgreSqlBuilder("postgres:17-alpine")
            .WithCommand("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=400")
            .Build();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromMinutes(3));
        await container.StartAsync(timeout.Token);
        return new ContainerPostgresServer(container);
    }

    public override async ValueTask DisposeAsync() => await container.DisposeAsync();
}
