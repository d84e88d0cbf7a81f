using Fulfillment.Providers;

namespace Fulfillment.Engine.Lifecycle;

/// <summary>A <c>providers</c> row as the engine judges it: values only (read by <see cref="ProviderColumns"/>).</summary>
/// <param name="Currency">providers.currency: what its balance answers named, or null when none ever did.</param>
/// <param name="RedirectedAt">providers.redirected_at: since when it has answered with a redirect (sending to it pauses), or null.</param>
/// <param name="LastError">providers.last_error: its latest failure, in words.</param>
public sealed record ProviderRow(long Id, string Name, string Kind, string ApiUrl, string ApiKey, bool Enabled, decimal? Balance, decimal MinBalance,
    string? Currency = null, DateTimeOffset? RedirectedAt = null, string? LastError = null)
{
    /// <summary>The endpoint to call, or null when <c>api_url</c> is not an absolute http(s) URL.</summary>
    public ProviderEndpoint? Endpoint =>
        Uri.TryCreate(ApiUrl, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeHttp)
            ? new ProviderEndpoint(Id, Name, url, ApiKey)
            : null;

    /// <summary>Dispatch pauses while the provider's known balance is below its minimum.</summary>
    public bool IsPaused => Balance is { } balance && balance < MinBalance;

    /// <summary>Dispatch pauses while the provider answers with a redirect: an add sent there is an unknown outcome, one more order in review.</summary>
    public bool IsRedirecting => RedirectedAt is not null;

    // The key must never be printed, whatever logs this record.
    public override string ToString() => $"provider {Id} ({Name})";
}
