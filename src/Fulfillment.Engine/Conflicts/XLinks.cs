namespace Fulfillment.Engine.Conflicts;

/// <summary>
/// x.com, twitter.com and their mobile and embed-fixer mirrors. A post is its numeric status id whatever the user
/// part says (/USER/status/ID, /USER/statuses/ID, /i/web/status/ID, old #!/ links); usernames are case-insensitive.
/// </summary>
internal static class XLinks
{
    public static string? Key(ParsedLink link)
    {
        var s = link.Segments;
        if (s.Count == 0 && link.Fragment.StartsWith("!/", StringComparison.Ordinal))
        {
            // twitter.com/#!/USER/status/ID, the 2010-2012 form still found in old order lists.
            var path = link.Fragment.AsSpan(2);
            var query = path.IndexOf('?');
            s = (query < 0 ? path : path[..query]).ToString().Split('/', StringSplitOptions.RemoveEmptyEntries);
        }

        if (s.Count == 0)
        {
            return null;
        }

        var first = s[0];
        var second = s.Count > 1 ? s[1] : "";
        var third = s.Count > 2 ? s[2] : "";
        switch (first)
        {
            case "i":
                return second switch
                {
                    "web" when third == "status" && s.Count > 3 => StatusKey(s[3]),
                    "status" => StatusKey(third),
                    "spaces" or "lists" or "communities" or "broadcasts" or "events" when LinkIds.IsToken(third) => $"x:{second}/{third}",
                    _ => null,
                };
            case "intent":
                return second switch
                {
                    "like" or "retweet" or "favorite" => link.Get("tweet_id") is { } id ? StatusKey(id) : null,
                    "user" or "follow" => link.Get("screen_name") is { } name ? ProfileKey(name) : null,
                    _ => null,
                };
        }

        if (Reserved(first))
        {
            return null;
        }

        // /USER/status/ID/photo/1, /USER/status/ID/analytics: the same post.
        if (second is "status" or "statuses")
        {
            return LinkIds.IsMadeOf(first, 50, "_") ? StatusKey(third) : null;
        }

        return s.Count == 1 || (s.Count == 2 && IsProfileTab(second)) ? ProfileKey(first) : null;
    }

    private static string? StatusKey(string id) => LinkIds.IsNumber(id, 20) ? "x:status/" + id : null;

    private static string? ProfileKey(string user) => LinkIds.IsMadeOf(user, 50, "_") ? "x:@" + LinkIds.Lower(user) : null;

    private static bool IsProfileTab(string segment) => segment is "with_replies" or "media" or "likes" or "highlights"
        or "articles" or "followers" or "following" or "verified_followers" or "followers_you_follow" or "superfollows";

    private static bool Reserved(string segment) => segment is "home" or "explore" or "notifications" or "messages"
        or "search" or "settings" or "share" or "hashtag" or "login" or "logout" or "signup" or "tos" or "privacy"
        or "compose" or "account" or "jobs" or "download" or "lists" or "bookmarks" or "communities" or "premium";
}
