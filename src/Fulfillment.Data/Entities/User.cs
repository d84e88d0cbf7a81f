namespace Fulfillment.Data.Entities;

public sealed class User
{
    public long Id { get; set; }
    public required string Username { get; set; }
    public string? Email { get; set; }
    public decimal Balance { get; set; }
    public string Status { get; set; } = UserStatus.Active;
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? LastActiveAt { get; set; }
    public DateTimeOffset? DeletedAt { get; set; }
    public DateTimeOffset? AnonymizedAt { get; set; }

    // Engine-owned columns beyond the contract.
    public string? BlockedReason { get; set; }
    public DateTimeOffset? BlockedAt { get; set; }
    public DateTimeOffset? BlockHandledAt { get; set; }

    /// <summary>When the inactive-account notice was sent (retention); cleared when the user comes back.</summary>
    public DateTimeOffset? InactiveNoticeAt { get; set; }
}
