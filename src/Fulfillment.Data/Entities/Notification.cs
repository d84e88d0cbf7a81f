using System.Text.Json;

namespace Fulfillment.Data.Entities;

public sealed class Notification
{
    public long Id { get; set; }
    public long UserId { get; set; }
    public long? OrderId { get; set; }
    public required string Kind { get; set; }
    public JsonDocument? Payload { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? SentAt { get; set; }
}
