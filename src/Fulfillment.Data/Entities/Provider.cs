namespace Fulfillment.Data.Entities;

public sealed class Provider
{
    public long Id { get; set; }
    public required string Name { get; set; }
    public string Kind { get; set; } = ProviderKind.SmmV2;
    public required string ApiUrl { get; set; }
    public required string ApiKey { get; set; }
    public bool Enabled { get; set; } = true;
    public decimal? Balance { get; set; }
    public string? Currency { get; set; }
    public DateTimeOffset? BalanceCheckedAt { get; set; }
    public decimal MinBalance { get; set; }

    /// <summary>Public: below this balance an operator is alerted (provider_balance_low); null means twice <see cref="MinBalance"/>.</summary>
    public decimal? AlertBalance { get; set; }

    // Engine-internal: why dispatch to this provider is paused, and its last error, for operators.
    public string? PausedReason { get; set; }
    public string? LastError { get; set; }

    // Engine-internal: since when every call to this provider has failed (no usable answer); null once one succeeds.
    public DateTimeOffset? UnreachableSince { get; set; }

    // Engine-internal: since when the provider has refused the key or the account (its words in LastError); null once a call succeeds.
    public DateTimeOffset? AuthFailedAt { get; set; }

    // Engine-internal: since when the provider has answered with a redirect (the target in LastError): sending to it is paused
    // until a call to it succeeds.
    public DateTimeOffset? RedirectedAt { get; set; }
}
