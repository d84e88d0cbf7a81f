namespace Fulfillment.Engine.Conflicts;

/// <summary>
/// youtube.com (www., m., music.), youtu.be and youtube-nocookie.com. A video is its 11-character id (case-sensitive)
/// however addressed: watch?v=, youtu.be/, /shorts/, /embed/, /live/, /v/, /e/; nothing else of the query is kept
/// (t, si, feature, list, pp). Channel ids (UC...) are case-sensitive; handles, custom names and user names are not.
/// </summary>
internal static class YouTubeLinks
{
    public static string? Key(ParsedLink link, LinkSite site)
    {
        var s = link.Segments;
        if (site.Host == "youtu.be")
        {
            return s.Count == 1 ? VideoKey(s[0]) : null;
        }

        if (s.Count == 0)
        {
            return null;
        }

        var first = s[0];
        var second = link.Segment(1);
        switch (first)
        {
            case "watch":
                return s.Count == 1 && link.Get("v") is { } v ? VideoKey(v) : null;
            case "embed" when second == "videoseries":
            case "playlist":
                return s.Count <= 2 && link.Get("list") is { } list && LinkIds.IsToken(list) ? "youtube:playlist/" + list : null;
            case "shorts" or "embed" or "live" or "v" or "e":
                return s.Count == 2 ? VideoKey(second) : null;
            case "channel":
                return IsChannelPage(s, 2) && LinkIds.IsToken(second, 64) ? "youtube:channel/" + second : null;
            case "c" or "user":
                return IsChannelPage(s, 2) && IsName(second) ? $"youtube:{first}/{LinkIds.Lower(second)}" : null;
            case "post" or "clip":
                return s.Count == 2 && LinkIds.IsToken(second) ? $"youtube:{first}/{second}" : null;
        }

        if (first.Length > 1 && first[0] == '@')
        {
            var handle = first[1..];
            return IsChannelPage(s, 1) && IsName(handle) ? "youtube:@" + LinkIds.Lower(handle) : null;
        }

        // youtube.com/NAME is the custom URL youtube.com/c/NAME.
        return site.Host == "youtube.com" && IsChannelPage(s, 1) && IsName(first) && !Reserved(first)
            ? "youtube:c/" + LinkIds.Lower(first)
            : null;
    }

    private static string? VideoKey(string id) => id.Length == 11 && LinkIds.IsToken(id) ? "youtube:video/" + id : null;

    /// <summary>The channel itself (<paramref name="length"/> segments) or one of its tabs (/videos, /shorts, /about...).</summary>
    private static bool IsChannelPage(IReadOnlyList<string> s, int length) =>
        s.Count == length || (s.Count == length + 1 && s[length] is "videos" or "shorts" or "streams" or "featured"
            or "about" or "community" or "playlists" or "posts" or "releases" or "podcasts" or "courses" or "store");

    private static bool IsName(string name) => LinkIds.IsMadeOf(name, 100, "-_.");

    private static bool Reserved(string segment) => segment is "results" or "feed" or "hashtag" or "account" or "premium"
        or "signin" or "logout" or "redirect" or "t" or "about" or "gaming" or "music" or "kids" or "attribution_link"
        or "oembed" or "upload" or "studio" or "source" or "howyoutubeworks" or "ads" or "creators" or "yt" or "s"
        or "supported_browsers" or "new" or "trending" or "podcasts" or "select_site" or "storefront" or "watch_videos"
        or "movies" or "courses" or "paid_memberships" or "reporthistory" or "api" or "youtubei" or "img" or "sw.js"
        or "index" or "channels" or "playables" or "creator" or "verify_age" or "live_chat" or "subscription_manager";
}
