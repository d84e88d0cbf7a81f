using System.Collections.Frozen;

namespace Fulfillment.Providers.Smm;

/// <summary>
/// Maps every status spelling seen from real providers to <see cref="ProviderOrderState"/>.
/// Case, spaces, underscores and hyphens are ignored, and a dotted translation key
/// (<c>tasks.status.completed</c>) is read by its last segment. Anything else is Unknown.
/// </summary>
public static class ProviderStatusMap
{
    private static readonly FrozenDictionary<string, ProviderOrderState> States = new Dictionary<string, ProviderOrderState>
    {
        ["pending"] = ProviderOrderState.Pending,
        ["inprogress"] = ProviderOrderState.InProgress,
        ["processing"] = ProviderOrderState.InProgress,
        ["completed"] = ProviderOrderState.Completed,
        ["complete"] = ProviderOrderState.Completed,
        ["partial"] = ProviderOrderState.Partial,
        ["canceled"] = ProviderOrderState.Canceled,
        ["cancelled"] = ProviderOrderState.Canceled,
        ["refunded"] = ProviderOrderState.Refunded,
        ["failed"] = ProviderOrderState.Failed,
        ["fail"] = ProviderOrderState.Failed,
        ["error"] = ProviderOrderState.Failed,
        ["rejected"] = ProviderOrderState.Failed,
        // Subscriptions' own words (docs/domain.md); Completed and Canceled are shared with orders.
        ["active"] = ProviderOrderState.Active,
        ["paused"] = ProviderOrderState.Paused,
        ["expired"] = ProviderOrderState.Expired,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static ProviderOrderState Map(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw))
            return ProviderOrderState.Unknown;

        var text = raw.Trim();
        var dot = text.LastIndexOf('.');
        if (dot >= 0)
            text = text[(dot + 1)..];

        Span<char> buffer = stackalloc char[Math.Min(text.Length, 64)];
        var length = 0;
        foreach (var c in text)
        {
            if (c is ' ' or '_' or '-' or '\t')
                continue;
            if (length == buffer.Length)
                return ProviderOrderState.Unknown;
            buffer[length++] = char.ToLowerInvariant(c);
        }

        var lookup = States.GetAlternateLookup<ReadOnlySpan<char>>();
        return lookup.TryGetValue(buffer[..length], out var state) ? state : ProviderOrderState.Unknown;
    }
}
