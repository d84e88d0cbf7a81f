namespace Fulfillment.Engine.Conflicts;

/// <summary>
/// instagram.com and instagr.am. A post is one shortcode (case-sensitive) whether addressed as /p/, /reel/, /reels/,
/// /tv/ or /USER/p/; a username is case-insensitive. The query (igshid, igsh, utm_*, hl, img_index) never identifies.
/// </summary>
internal static class InstagramLinks
{
    public static string? Key(ParsedLink link)
    {
        var s = link.Segments;
        if (s.Count == 0)
        {
            return null;
        }

        if (IsPostKind(s[0]))
        {
            return s.Count >= 2 ? PostKey(s, 1) : null;
        }

        if (s[0] == "stories")
        {
            return Story(link);
        }

        if (Reserved(s[0]) || !IsUsername(s[0]))
        {
            return null;
        }

        if (s.Count >= 3 && IsPostKind(s[1]))
        {
            return PostKey(s, 2);
        }

        // The profile's own tabs (/USER/reels/, /USER/tagged/) are the profile.
        return s.Count == 1 || (s.Count == 2 && IsProfileTab(s[1])) ? "instagram:@" + LinkIds.Lower(s[0]) : null;
    }

    /// <summary>
    /// <c>instagram:p/CODE</c>; what follows the shortcode (/embed/, /liked_by/) is the same post, except a comment
    /// permalink (/p/CODE/c/ID), which is its own target: comment likes are sold separately from post likes.
    /// </summary>
    private static string? PostKey(IReadOnlyList<string> s, int at)
    {
        var shortcode = s[at];
        if (!LinkIds.IsToken(shortcode, 64) || shortcode == "audio")
        {
            return null;
        }

        var key = "instagram:p/" + shortcode;
        if (s.Count > at + 1 && s[at + 1] == "c")
        {
            return s.Count > at + 2 && LinkIds.IsNumber(s[at + 2]) ? $"{key}/c/{s[at + 2]}" : null;
        }

        return key;
    }

    /// <summary><c>/stories/USER/ID</c> and <c>/stories/highlights/ID</c>.</summary>
    private static string? Story(ParsedLink link)
    {
        var owner = link.Segment(1);
        var id = link.Segment(2);
        if (owner == "highlights")
        {
            return LinkIds.IsNumber(id) && link.Segments.Count == 3 ? "instagram:highlights/" + id : null;
        }

        if (!IsUsername(owner))
        {
            return null;
        }

        return link.Segments.Count switch
        {
            2 => "instagram:stories/" + LinkIds.Lower(owner),
            3 when LinkIds.IsNumber(id) => $"instagram:stories/{LinkIds.Lower(owner)}/{id}",
            _ => null,
        };
    }

    private static bool IsPostKind(string segment) => segment is "p" or "reel" or "reels" or "tv";

    private static bool IsProfileTab(string segment) => segment is "reels" or "tagged" or "saved" or "guides" or "igtv" or "channel"
        or "followers" or "following" or "feed";

    private static bool IsUsername(string segment) => LinkIds.IsMadeOf(segment, 30, "._");

    private static bool Reserved(string segment) => segment is "explore" or "accounts" or "direct" or "about" or "developer"
        or "legal" or "web" or "emails" or "challenge" or "api" or "graphql" or "oauth" or "privacy" or "terms" or "press"
        or "help" or "s" or "ar" or "session" or "static" or "data" or "lite" or "download" or "directory" or "topics";
}
