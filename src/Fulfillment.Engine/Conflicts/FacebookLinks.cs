namespace Fulfillment.Engine.Conflicts;

/// <summary>
/// facebook.com, fb.com (www., m., web., mbasic.) and fb.watch. A post, video or photo is its id however addressed
/// (/PAGE/posts/ID = permalink.php?story_fbid=ID = story.php?story_fbid=ID; /watch?v=ID = /PAGE/videos/ID = /reel/ID);
/// only the identifying query parameters (v, story_fbid, id, fbid) are read. Page names are case-insensitive; pfbid
/// ids and share codes are not. A numeric and a pfbid id of one post cannot be matched offline.
/// </summary>
internal static class FacebookLinks
{
    public static string? Key(ParsedLink link, LinkSite site)
    {
        var s = link.Segments;
        if (site.Host == "fb.watch")
        {
            return s.Count == 1 && LinkIds.IsToken(s[0]) ? "facebook:short/" + s[0] : null;
        }

        if (s.Count == 0)
        {
            return null;
        }

        return IsFixed(s[0]) ? Addressed(link, s[0], link.Segment(1), link.Segment(2)) : OnAPage(s, s[0], link.Segment(1), link.Segment(2));
    }

    private static bool IsFixed(string first) => first is "watch" or "video.php" or "reel" or "photo" or "photo.php" or "permalink.php" or "story.php"
        or "profile.php" or "groups" or "events" or "people" or "pages" or "share";

    /// <summary>A post, video, photo, group, event or share addressed by a fixed first segment (<see cref="IsFixed"/>).</summary>
    private static string? Addressed(ParsedLink link, string first, string second, string third)
    {
        var s = link.Segments;
        switch (first)
        {
            case "watch" or "video.php":
                return s.Count <= 2 && link.Get("v") is { } v ? Numeric("video", v) : null;
            case "reel":
                return s.Count == 2 ? Numeric("video", second) : null;
            case "photo" or "photo.php":
                return s.Count == 1 && link.Get("fbid") is { } fbid ? Numeric("photo", fbid) : null;
            case "permalink.php" or "story.php":
                return s.Count == 1 && link.Get("story_fbid") is { } story ? PostKey(story) : null;
            case "profile.php":
                return IsPage(s, 1) && link.Get("id") is { } id ? Numeric("id", id) : null;
            case "groups":
                return Group(s);
            case "events":
                return s.Count == 2 ? Numeric("events", second) : null;
            case "people" or "pages":
                return s.Count == 3 ? Numeric("id", third) : null;
            case "share":
                // facebook.com/share/p/CODE, /share/r/CODE, /share/v/CODE, /share/CODE: short links, not resolvable offline.
                return s.Count switch
                {
                    2 when LinkIds.IsToken(second) => "facebook:share/" + second,
                    3 when second.Length == 1 && LinkIds.IsToken(third) => $"facebook:share/{second}/{third}",
                    _ => null,
                };
            default:
                return null;
        }
    }

    /// <summary>/PAGE, /PAGE/posts/ID, /PAGE/videos/ID, /PAGE/photos/a.ALBUM/ID.</summary>
    private static string? OnAPage(IReadOnlyList<string> s, string first, string second, string third)
    {
        if (Reserved(first) || !LinkIds.IsMadeOf(first, 80, ".-") || first.EndsWith(".php", StringComparison.Ordinal))
        {
            return null;
        }

        switch (second)
        {
            case "posts" when s.Count == 3:
                return PostKey(third);
            case "videos" when s.Count is 3 or 4:
                return Numeric("video", s[^1]); // /PAGE/videos/ID and /PAGE/videos/TITLE/ID
            case "photos" when s.Count is 3 or 4:
                return Numeric("photo", s[^1]); // /PAGE/photos/a.ALBUM/ID
        }

        return IsPage(s, 1) ? PageKey(first) : null;
    }

    /// <summary>A page by id (<c>facebook:id/N</c>, also facebook.com/N) or by name (<c>facebook:@name</c>).</summary>
    private static string PageKey(string name) => LinkIds.IsNumber(name) ? "facebook:id/" + name : "facebook:@" + LinkIds.Lower(name);

    private static string? Group(IReadOnlyList<string> s)
    {
        if (s.Count < 2 || !LinkIds.IsMadeOf(s[1], 80, ".-_"))
        {
            return null;
        }

        return s.Count switch
        {
            4 when s[2] is "posts" or "permalink" => PostKey(s[3]),
            _ when IsPage(s, 2) => "facebook:groups/" + LinkIds.Lower(s[1]),
            _ => null,
        };
    }

    /// <summary>A numeric story id or an obfuscated <c>pfbid...</c> one (case-sensitive).</summary>
    private static string? PostKey(string id) => LinkIds.IsToken(id, 100) ? "facebook:post/" + id : null;

    private static string? Numeric(string kind, string id) => LinkIds.IsNumber(id, 30) ? $"facebook:{kind}/{id}" : null;

    /// <summary>The page itself (<paramref name="length"/> segments) or one of its tabs.</summary>
    private static bool IsPage(IReadOnlyList<string> s, int length) =>
        s.Count == length || (s.Count == length + 1 && s[length] is "about" or "followers" or "following" or "friends"
            or "photos" or "videos" or "reels" or "posts" or "reviews" or "community" or "members" or "events" or "mentions");

    private static bool Reserved(string segment) => segment is "sharer" or "reels" or "marketplace" or "gaming" or "login"
        or "help" or "hashtag" or "stories" or "messages" or "notifications" or "search" or "dialog" or "plugins" or "ads"
        or "business" or "settings" or "friends" or "bookmarks" or "saved" or "memories" or "privacy" or "policies"
        or "terms" or "fundraisers" or "media" or "photos" or "videos" or "live" or "latest" or "feeds" or "home"
        or "policy" or "legal" or "careers" or "watchparty" or "checkpoint" or "recover" or "l" or "lm";
}
