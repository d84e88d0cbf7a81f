using System.Text.Json;

namespace Fulfillment.Data.Entities;

public sealed class OrderEvent
{
    public long Id { get; set; }
    public long OrderId { get; set; }
    public DateTimeOffset At { get; set; }
    public required string Kind { get; set; }
    public JsonDocument? Detail { get; set; }
}
