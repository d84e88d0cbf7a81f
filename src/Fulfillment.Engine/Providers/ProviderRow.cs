using Fulfillment.Providers;
using Npgsql;

namespace Fulfillment.Engine.Providers;

/// <summary>A <c>providers</c> row as the engine reads it.</summary>
public sealed record ProviderRow(long Id, string Name, string Kind, string ApiUrl, string ApiKey, bool Enabled, decimal? Balance, decimal MinBalance)
{
    /// <summary>The endpoint to call, or null when <c>api_url</c> is not an absolute http(s) URL.</summary>
    public ProviderEndpoint? Endpoint =>
        Uri.TryCreate(ApiUrl, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeHttp)
            ? new ProviderEndpoint(Id, Name, url, ApiKey)
            : null;

    /// <summary>Dispatch pauses while the provider's known balance is below its minimum.</summary>
    public bool IsPaused => Balance is { } balance && balance < MinBalance;

    /// <summary>
    /// Reads the columns <c>id, name, kind, api_url, api_key, enabled, balance, min_balance</c> starting
    /// at <paramref name="first"/>; null when the id is NULL (a LEFT JOIN found no provider).
    /// </summary>
    public static ProviderRow? Read(NpgsqlDataReader r, int first) => r.IsDBNull(first) ? null : new ProviderRow(
        r.GetInt64(first), r.GetString(first + 1), r.GetString(first + 2), r.GetString(first + 3), r.GetString(first + 4),
        r.GetBoolean(first + 5), r.IsDBNull(first + 6) ? null : r.GetDecimal(first + 6), r.GetDecimal(first + 7));

    // The key must never be printed, whatever logs this record.
    public override string ToString() => $"provider {Id} ({Name})";
}
