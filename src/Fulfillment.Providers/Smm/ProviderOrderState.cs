namespace Fulfillment.Providers.Smm;

/// <summary>An order's state at the provider, normalised from whatever spelling it sent.</summary>
public enum ProviderOrderState
{
    /// <summary>A spelling we do not know. Never terminal: the engine keeps polling and flags it.</summary>
    Unknown,
    Pending,

    /// <summary>"In progress" and "Processing".</summary>
    InProgress,
    Completed,
    Partial,
    Canceled,
    Refunded,

    /// <summary>"Failed", "Error", and "Rejected" (refills).</summary>
    Failed,

    /// <summary>A subscription watching the account for new posts.</summary>
    Active,

    /// <summary>A subscription the provider stopped for now (a private account, a hold); it may go on. Never terminal.</summary>
    Paused,

    /// <summary>A subscription that reached its expiry date.</summary>
    Expired,
}
