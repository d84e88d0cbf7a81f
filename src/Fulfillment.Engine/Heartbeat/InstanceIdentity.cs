using System.Reflection;

namespace Fulfillment.Engine.Heartbeat;

/// <summary>Who this engine process is, as its <c>engine_instances</c> row shows it.</summary>
public sealed record InstanceIdentity(Guid Id, string Host, string Version, DateTimeOffset StartedAt)
{
    public static InstanceIdentity Create(string? instanceName, TimeProvider clock) => new(
        Guid.NewGuid(),
        string.IsNullOrWhiteSpace(instanceName) ? Environment.MachineName : instanceName,
        typeof(InstanceIdentity).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown",
        clock.GetUtcNow());
}
