using System.Collections.Frozen;

namespace Fulfillment.Providers.Smm;

/// <summary>
/// What an SMM v2 service type sends with <c>add</c>, besides <c>service</c> and <c>link</c>.
/// This is the whitelist: a field a type does not list never reaches the provider.
/// </summary>
public sealed record SmmServiceType(string Name, bool SendsQuantity, bool AllowsDripFeed, IReadOnlyList<string> Fields)
{
    public static readonly SmmServiceType Default = new("Default", true, true, []);

    private static readonly FrozenDictionary<string, SmmServiceType> Known = new SmmServiceType[]
    {
        Default,
        new("Package", false, false, []),
        new("Custom Comments", false, false, ["comments"]),
        new("Custom Comments Package", false, false, ["comments"]),
        new("Mentions", true, false, ["usernames", "hashtags"]),
        new("Mentions with Hashtags", true, false, ["usernames", "hashtags"]),
        new("Mentions Custom List", false, false, ["usernames"]),
        new("Mentions Hashtag", true, false, ["hashtag"]),
        new("Mentions User Followers", true, false, ["username"]),
        new("Mentions Media Likers", true, false, ["media"]),
        new("Comment Likes", true, false, ["username"]),
        new("Poll", true, false, ["answer_number"]),
        new("Invites from Groups", true, false, ["groups"]),
        new("Comment Replies", false, false, ["username", "comments"]),
        new("Subscriptions", false, false, ["username", "min", "max", "posts", "old_posts", "delay", "expiry"]),
    }.ToFrozenDictionary(t => t.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>Every type this client knows by name (an unknown name is sent as <see cref="Default"/>).</summary>
    public static IReadOnlyCollection<SmmServiceType> All => Known.Values;

    /// <summary>Every type-specific field name any type may send.</summary>
    public static readonly FrozenSet<string> AllFields = Known.Values.SelectMany(t => t.Fields).ToFrozenSet(StringComparer.Ordinal);

    /// <summary>The type by name, case-insensitive; an unknown or empty name is <see cref="Default"/>.</summary>
    public static SmmServiceType For(string? name) =>
        name is not null && Known.TryGetValue(name.Trim(), out var type) ? type : Default;
}
