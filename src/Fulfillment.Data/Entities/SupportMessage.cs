namespace Fulfillment.Data.Entities;

public sealed class SupportMessage
{
    public long Id { get; set; }
    public long TicketId { get; set; }
    public string Body { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
}
