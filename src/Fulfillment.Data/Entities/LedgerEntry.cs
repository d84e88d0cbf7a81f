namespace Fulfillment.Data.Entities;

public sealed class LedgerEntry
{
    public long Id { get; set; }
    public long UserId { get; set; }
    public long? OrderId { get; set; }
    public required string Kind { get; set; }

    /// <summary>Signed: a credit is positive.</summary>
    public decimal Amount { get; set; }
    public decimal BalanceAfter { get; set; }
    public string? Reference { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
