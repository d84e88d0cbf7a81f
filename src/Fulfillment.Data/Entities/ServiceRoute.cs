namespace Fulfillment.Data.Entities;

/// <summary>
/// A further route of a panel service: another provider (and that provider's service id) that can deliver it.
/// The service's own <see cref="Service.ProviderId"/> and <see cref="Service.ProviderServiceId"/> are its first
/// route (position 0); these follow it in <see cref="Position"/> order (1, 2, ...).
/// </summary>
public sealed class ServiceRoute
{
    public long Id { get; set; }
    public long ServiceId { get; set; }

    /// <summary>1 or more, unique per service: the order in which routes are tried after the service's own.</summary>
    public int Position { get; set; }
    public long ProviderId { get; set; }
    public required string ProviderServiceId { get; set; }
    public bool Enabled { get; set; } = true;
}
