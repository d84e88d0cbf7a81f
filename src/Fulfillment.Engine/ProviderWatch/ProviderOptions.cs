namespace Fulfillment.Engine.ProviderWatch;

/// <summary><c>Fulfillment:ProviderSync</c>: what the balance and service-list jobs do.</summary>
public sealed class ProviderSyncOptions
{
    public const string Section = "Fulfillment:ProviderSync";

    /// <summary>Disable a panel service whose upstream service disappeared from the provider's list.</summary>
    public bool DisableVanishedServices { get; set; } = true;
}
