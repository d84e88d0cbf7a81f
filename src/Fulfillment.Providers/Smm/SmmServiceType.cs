using System.Collections.Frozen;

namespace Fulfillment.Providers.Smm;

/// <summary>What an add of a type sends as <c>quantity</c>.</summary>
public enum QuantityRule
{
    /// <summary>The order's own quantity: it is what the type counts and charges.</summary>
    Order,

    /// <summary>
    /// 1: a package is one unit. The documented protocol sends no quantity for it, but panel scripts require one for every
    /// type but custom comments (SmartPanel's API answers "Quantity is required" without it) and ignore it otherwise.
    /// </summary>
    One,

    /// <summary>
    /// The number of lines of the type's list field (<see cref="SmmServiceType.CountedField"/>): the amount the list asks for.
    /// Panel scripts check it against the service's minimum before they count the list themselves.
    /// </summary>
    LineCount,

    /// <summary>No quantity (subscriptions send <c>min</c> and <c>max</c> instead).</summary>
    None,
}

/// <summary>
/// What an SMM v2 service type sends with <c>add</c>, besides <c>service</c> and <c>link</c>.
/// This is the whitelist: a field a type does not list never reaches the provider.
/// </summary>
/// <param name="Quantity">What goes in <c>quantity</c> (<see cref="QuantityRule"/>).</param>
/// <param name="CountedField">For <see cref="QuantityRule.LineCount"/>, the list field whose lines are counted.</param>
public sealed record SmmServiceType(string Name, QuantityRule Quantity, bool AllowsDripFeed, IReadOnlyList<string> Fields, string? CountedField = null)
{
    public static readonly SmmServiceType Default = new("Default", QuantityRule.Order, true, []);

    private static readonly FrozenDictionary<string, SmmServiceType> Known = new SmmServiceType[]
    {
        Default,
        new("Package", QuantityRule.One, false, []),
        new("Custom Comments", QuantityRule.LineCount, false, ["comments"], "comments"),
        new("Custom Comments Package", QuantityRule.One, false, ["comments"]),
        new("Mentions", QuantityRule.Order, false, ["usernames", "hashtags"]),
        new("Mentions with Hashtags", QuantityRule.Order, false, ["usernames", "hashtags"]),
        new("Mentions Custom List", QuantityRule.LineCount, false, ["usernames"], "usernames"),
        new("Mentions Hashtag", QuantityRule.Order, false, ["hashtag"]),
        new("Mentions User Followers", QuantityRule.Order, false, ["username"]),
        new("Mentions Media Likers", QuantityRule.Order, false, ["media"]),
        new("Comment Likes", QuantityRule.Order, false, ["username"]),
        new("Poll", QuantityRule.Order, false, ["answer_number"]),
        new("Invites from Groups", QuantityRule.Order, false, ["groups"]),
        new("Comment Replies", QuantityRule.LineCount, false, ["username", "comments"], "comments"),
        new("Subscriptions", QuantityRule.None, false, ["username", "min", "max", "posts", "old_posts", "delay", "expiry"]),
    }.ToFrozenDictionary(t => t.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether the order's own quantity is sent (and so is what the type is measured and charged by).</summary>
    public bool SendsQuantity => Quantity == QuantityRule.Order;

    /// <summary>Every type this client knows by name (an unknown name is sent as <see cref="Default"/>).</summary>
    public static IReadOnlyCollection<SmmServiceType> All => Known.Values;

    /// <summary>Every type-specific field name any type may send.</summary>
    public static readonly FrozenSet<string> AllFields = Known.Values.SelectMany(t => t.Fields).ToFrozenSet(StringComparer.Ordinal);

    /// <summary>
    /// The type by name, case-insensitive, with underscores and hyphens read as spaces and runs of whitespace as one space
    /// (SmartPanel lists <c>custom_comments</c>, <c>mentions_custom_list</c>); an unknown or empty name is <see cref="Default"/>.
    /// fulfillment_service_type reads a name the same way (ServiceTypeRuleTests).
    /// </summary>
    public static SmmServiceType For(string? name) =>
        name is not null && Known.TryGetValue(Normalise(name), out var type) ? type : Default;

    private static string Normalise(string name) =>
        string.Join(' ', name.Replace('_', ' ').Replace('-', ' ').Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
