namespace Fulfillment.Engine.Configuration;

/// <summary><c>Fulfillment:Requests</c>: cancel and refill requests, and blocked accounts.</summary>
public sealed class RequestOptions
{
    public const string Section = "Fulfillment:Requests";

    public int BatchSize { get; set; } = 200;

    /// <summary>A request being sent is not picked up again for this long, should the engine stop mid-call.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often the status of a sent refill is asked.</summary>
    public TimeSpan RefillCheckInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Chargeback policy (mix-smm.ru ToS 4.6): a blocked account's balance, and refunds that reach it
    /// later, are forfeited. False keeps the balance for a person to decide.
    /// </summary>
    public bool ForfeitBlockedBalance { get; set; } = true;
}
