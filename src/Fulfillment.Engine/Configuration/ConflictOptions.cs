namespace Fulfillment.Engine.Configuration;

/// <summary><c>Fulfillment:Conflicts</c>: when two orders for the same target count as one conflict, and what happens to the later one.</summary>
public sealed class ConflictOptions
{
    public const string Section = "Fulfillment:Conflicts";

    /// <summary><c>Service</c> (default), <c>ProviderService</c>, <c>Provider</c> or <c>Any</c>.</summary>
    public ConflictScope Scope { get; set; } = ConflictScope.Service;

    /// <summary><c>Hold</c> (default): the later order waits; <c>Fail</c>: it fails with a refund.</summary>
    public ConflictPolicy Policy { get; set; } = ConflictPolicy.Hold;
}

public enum ConflictScope
{
    Service,
    ProviderService,
    Provider,
    Any,
}

public enum ConflictPolicy
{
    Hold,
    Fail,
}
