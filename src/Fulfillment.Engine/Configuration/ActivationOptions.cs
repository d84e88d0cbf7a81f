namespace Fulfillment.Engine.Configuration;

/// <summary><c>Fulfillment:Activations</c>: SMS activations (the MrSMS kind of order).</summary>
public sealed class ActivationOptions
{
    public const string Section = "Fulfillment:Activations";

    /// <summary>No code within this long after the number was rented: canceled at the provider and refunded in full.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(20);

    /// <summary>How often a rented number is asked for its code.</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long to wait before trying a cancel again after EARLY_CANCEL_DENIED.</summary>
    public TimeSpan CancelRetryAfter { get; set; } = TimeSpan.FromSeconds(30);
}
