namespace Fulfillment.Data.Entities;

public sealed class ErasureRequest
{
    public long Id { get; set; }
    public long UserId { get; set; }
    public DateTimeOffset RequestedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
}
