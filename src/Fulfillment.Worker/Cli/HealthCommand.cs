using Fulfillment.Engine.Configuration;
using Fulfillment.Engine.Heartbeat;
using Fulfillment.Engine.Jobs;
using Fulfillment.Worker.Hosting;
using Fulfillment.Worker.Jobs;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Fulfillment.Worker.Cli;

/// <summary>
/// <c>health</c>, for a container orchestrator's probe: exit 0 only when this instance's heartbeat is
/// fresh. "This instance" is the one whose id <c>run</c> wrote to <c>Fulfillment:Engine:HealthFile</c>
/// (the same path for both, so the same configuration); fresh means its
/// <c>engine_instances.heartbeat_at</c> is at most <c>Fulfillment:Engine:StaleInstanceAfter</c> old,
/// the age at which the cluster presumes an instance dead.
/// </summary>
public static class HealthCommand
{
    // Below the usual probe timeouts (Docker's HEALTHCHECK here: 10 s), so the answer is ours, not a kill.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    public static async Task<int> RunAsync(string[] args, JobCatalog catalog)
    {
        var builder = EngineHost.CreateBuilder(EngineMode.Tool, args, catalog);
        if (!EngineCommandLine.ReportConfiguration(builder.Configuration, catalog, Console.Error))
        {
            return EngineCommandLine.Usage;
        }

        using var host = builder.Build();
        var options = host.Services.GetRequiredService<IOptions<EngineOptions>>().Value;
        var clock = host.Services.GetRequiredService<TimeProvider>();
        var (healthy, message) = await CheckAsync(options, host.Services.GetRequiredService<NpgsqlDataSource>(), clock);
        await Console.Out.WriteLineAsync((healthy ? "healthy: " : "unhealthy: ") + message);
        return healthy ? EngineCommandLine.Ok : EngineCommandLine.Failed;
    }

    private static async Task<(bool Healthy, string Message)> CheckAsync(EngineOptions options, NpgsqlDataSource db, TimeProvider clock)
    {
        var path = options.HealthFilePath;
        if (HealthFile.TryRead(path) is not { } instance)
        {
            return (false, $"no engine instance has written {path} (not started, stopped, or another Fulfillment:Engine:HealthFile)");
        }

        DateTimeOffset? heartbeat;
        try
        {
            using var timeout = new CancellationTokenSource(Patience, clock);
            await using var command = db.CreateCommand("SELECT heartbeat_at FROM engine_instances WHERE id = $1");
            command.Parameters.Add(new() { Value = instance.InstanceId });
            heartbeat = await command.ExecuteScalarAsync(timeout.Token) is DateTime at ? new DateTimeOffset(at, TimeSpan.Zero) : null;
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            return (false, $"cannot read the heartbeat of instance {instance.InstanceId}: {ex.GetBaseException().Message}");
        }

        if (heartbeat is not { } last)
        {
            return (false, $"instance {instance.InstanceId} ({instance.Host}, pid {instance.Pid}) has no engine_instances row (stopped, or removed as stale)");
        }

        var age = clock.GetUtcNow() - last;
        return age <= options.StaleInstanceAfter
            ? (true, $"instance {instance.InstanceId} ({instance.Host}, pid {instance.Pid}) heartbeat {age.TotalSeconds:0.0} s ago")
            : (false, $"instance {instance.InstanceId} ({instance.Host}, pid {instance.Pid}) last heartbeat {age.TotalSeconds:0} s ago, " +
                      $"more than Fulfillment:Engine:StaleInstanceAfter ({options.StaleInstanceAfter})");
    }
}
