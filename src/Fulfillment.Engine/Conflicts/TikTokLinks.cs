namespace Fulfillment.Engine.Conflicts;

/// <summary>
/// tiktok.com. A post is its numeric id (/@USER/video/ID, /@USER/photo/ID, /v/ID.html, /embed/v2/ID); the user
/// part does not matter. Usernames are case-insensitive. Short links (vm., vt., /t/) cannot be resolved offline:
/// each is its own key with its case-sensitive code.
/// </summary>
internal static class TikTokLinks
{
    public static string? Key(ParsedLink link, LinkSite site)
    {
        var s = link.Segments;
        if (site.Host != "tiktok.com")
        {
            return s.Count == 1 ? ShortKey(s[0]) : null;
        }

        if (s.Count == 0)
        {
            return null;
        }

        var first = s[0];
        if (first.Length > 1 && first[0] == '@')
        {
            var user = first[1..];
            if (!LinkIds.IsMadeOf(user, 64, "._"))
            {
                return null;
            }

            if (s.Count == 1)
            {
                return "tiktok:@" + LinkIds.Lower(user);
            }

            return s.Count == 3 && s[1] is "video" or "photo" ? VideoKey(s[2]) : null;
        }

        return first switch
        {
            "t" when s.Count == 2 => ShortKey(s[1]),
            "v" when s.Count == 2 => VideoKey(s[1].EndsWith(".html", StringComparison.Ordinal) ? s[1][..^5] : s[1]),
            "embed" when s.Count == 2 => VideoKey(s[1]),
            "embed" or "player" when s.Count == 3 && s[1] is "v1" or "v2" => VideoKey(s[2]),
            "share" when s.Count == 3 && s[1] == "video" => VideoKey(s[2]),
            _ => null,
        };
    }

    private static string? VideoKey(string id) => LinkIds.IsNumber(id, 25) ? "tiktok:video/" + id : null;

    private static string? ShortKey(string code) => LinkIds.IsToken(code, 32) ? "tiktok:short/" + code : null;
}
