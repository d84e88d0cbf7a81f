namespace Fulfillment.Data.Entities;

public sealed class SupportTicket
{
    public long Id { get; set; }
    public long UserId { get; set; }
    public string Subject { get; set; } = "";
    public string Status { get; set; } = "open";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? LastMessageAt { get; set; }
    public DateTimeOffset? ClosedAt { get; set; }
}
