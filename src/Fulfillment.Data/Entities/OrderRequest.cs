namespace Fulfillment.Data.Entities;

public sealed class OrderRequest
{
    public long Id { get; set; }
    public long OrderId { get; set; }
    public required string Kind { get; set; }
    public string Status { get; set; } = OrderRequestStatus.Pending;
    public string? ProviderRef { get; set; }
    public string? Message { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    // Engine-internal: retries of a request the provider deferred (e.g. EARLY_CANCEL_DENIED).
    public int Attempts { get; set; }
    public DateTimeOffset? NextAttemptAt { get; set; }

    /// <summary>
    /// Set just before the cancel or refill leaves for the provider. A pending request that has it was
    /// (maybe) sent and never recorded: it is never sent again.
    /// </summary>
    public DateTimeOffset? SendingAt { get; set; }

    /// <summary>Engine-internal: the user-facing reason an order closed by this request ends with (a parent closed after review: staff_decision).</summary>
    public string? Reason { get; set; }
}
