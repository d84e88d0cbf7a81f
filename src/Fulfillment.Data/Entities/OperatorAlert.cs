namespace Fulfillment.Data.Entities;

/// <summary>
/// <c>operator_alerts</c>: trouble an operator should see before users do, one row per time a condition began. At most one is open
/// (<see cref="ClearedAt"/> null) per kind and subject; it clears by itself when its condition ends, and a new one is raised if it
/// comes back. The panel reads them and may set <see cref="AcknowledgedAt"/>, nothing else.
/// </summary>
public sealed class OperatorAlert
{
    public long Id { get; set; }
    public required string Kind { get; set; }
    public required string SubjectType { get; set; }
    public required string SubjectId { get; set; }

    /// <summary>A sentence a person can act on.</summary>
    public required string Message { get; set; }
    public string Detail { get; set; } = "{}";
    public DateTimeOffset RaisedAt { get; set; }
    public DateTimeOffset? ClearedAt { get; set; }
    public DateTimeOffset? AcknowledgedAt { get; set; }
}

/// <summary>
/// <c>route_quarantines</c>: a route (a provider and its upstream service, or for an SMS provider its activation service code)
/// that failed its orders too often, skipped for orders not yet sent until <see cref="QuarantinedUntil"/>. Kept here, not on the
/// stored service lists, which are pruned at every sync (and SMS providers have none).
/// </summary>
public sealed class RouteQuarantine
{
    public long ProviderId { get; set; }
    public required string Service { get; set; }
    public DateTimeOffset QuarantinedUntil { get; set; }
    public required string Reason { get; set; }

    /// <summary>How many quarantines in a row (the cooldown escalates with it); back to 0 after a clean day.</summary>
    public int Level { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
