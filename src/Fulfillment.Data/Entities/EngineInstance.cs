using System.Text.Json;

namespace Fulfillment.Data.Entities;

public sealed class EngineInstance
{
    public Guid Id { get; set; }
    public required string Host { get; set; }
    public required string Version { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset HeartbeatAt { get; set; }
    public JsonDocument? Info { get; set; }
}
