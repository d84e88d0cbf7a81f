namespace Fulfillment.Data.Entities;

/// <summary>
/// One add (or, for an SMS activation, one getNumber) sent for an order: written before the request leaves, in the commit
/// that marks the order sending, and given its outcome by the answer. Which provider may hold an order is read here.
/// </summary>
public sealed class OrderAttempt
{
    public long Id { get; set; }
    public long OrderId { get; set; }
    public long? ProviderId { get; set; }
    public string? ProviderServiceId { get; set; }
    public int RoutePosition { get; set; }

    /// <summary>The route's listed rate when sent (per 1000, or per order for one-unit types), in the provider's currency; null when not listed.</summary>
    public decimal? UpstreamRate { get; set; }
    public DateTimeOffset SentAt { get; set; }
    public string Outcome { get; set; } = AttemptOutcome.Sending;
    public string? ProviderOrderId { get; set; }
    public DateTimeOffset? AnsweredAt { get; set; }
    public string? Error { get; set; }

    /// <summary>Engine-internal: the instance that sent it.</summary>
    public Guid? Instance { get; set; }

    /// <summary>Engine-internal: a refusal's reason as the client classified it (failover counts the route's refusals for now).</summary>
    public string? Refusal { get; set; }
}
