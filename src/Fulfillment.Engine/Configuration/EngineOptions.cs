namespace Fulfillment.Engine.Configuration;

/// <summary><c>Fulfillment:Engine</c>: this instance and its lifetime.</summary>
public sealed class EngineOptions
{
    public const string Section = "Fulfillment:Engine";

    /// <summary>Shown in <c>engine_instances.host</c>; the machine name when empty.</summary>
    public string? InstanceName { get; set; }

    /// <summary>How often this instance refreshes its <c>engine_instances</c> row.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>An instance whose heartbeat is older than this is presumed dead and its row removed.</summary>
    public TimeSpan StaleInstanceAfter { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long a stop waits for running jobs. The systemd unit's TimeoutStopSec must be longer.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>
    /// Where <c>run</c> writes which instance it is, for <c>fulfillment health</c> (a separate process)
    /// to check that instance's heartbeat. Empty: <c>fulfillment-engine.json</c> in the temporary directory.
    /// </summary>
    public string? HealthFile { get; set; }

    public string HealthFilePath => string.IsNullOrWhiteSpace(HealthFile)
        ? Path.Combine(Path.GetTempPath(), "fulfillment-engine.json")
        : HealthFile;
}
