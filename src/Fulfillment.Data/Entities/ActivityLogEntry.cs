namespace Fulfillment.Data.Entities;

public sealed class ActivityLogEntry
{
    public long Id { get; set; }
    public long? UserId { get; set; }
    public string? Ip { get; set; }
    public required string Action { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
