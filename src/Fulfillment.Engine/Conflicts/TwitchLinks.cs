namespace Fulfillment.Engine.Conflicts;

/// <summary>
/// twitch.tv (www., m.), clips.twitch.tv and player.twitch.tv. Channel names are case-insensitive; a clip slug is
/// case-sensitive and the same clip under clips.twitch.tv/SLUG and twitch.tv/CHANNEL/clip/SLUG.
/// </summary>
internal static class TwitchLinks
{
    public static string? Key(ParsedLink link, LinkSite site)
    {
        var s = link.Segments;
        if (site.Host == "clips.twitch.tv")
        {
            return s.Count == 1 && s[0] == "embed" ? ClipKey(link.Get("clip") ?? "")
                : s.Count == 1 ? ClipKey(s[0]) : null;
        }

        if (site.Host == "player.twitch.tv")
        {
            return s.Count > 0 ? null
                : link.Get("video") is { } video ? VideoKey(video)
                : link.Get("clip") is { } clip ? ClipKey(clip)
                : link.Get("channel") is { } channel ? ChannelKey(channel)
                : null;
        }

        if (s.Count == 0)
        {
            return null;
        }

        var first = s[0];
        var second = link.Segment(1);
        if (first == "videos")
        {
            return s.Count == 2 ? VideoKey(second) : null;
        }

        if (Reserved(first))
        {
            return null;
        }

        return s.Count switch
        {
            1 => ChannelKey(first),
            2 when second is "about" or "videos" or "schedule" or "clips" or "home" => ChannelKey(first),
            3 when second == "clip" => ClipKey(s[2]),
            3 when second is "v" or "video" => VideoKey(s[2]),
            _ => null,
        };
    }

    private static string? ChannelKey(string name) => LinkIds.IsMadeOf(name, 25, "_") ? "twitch:@" + LinkIds.Lower(name) : null;

    /// <summary>Video ids are numeric; the player and old links write them as v123.</summary>
    private static string? VideoKey(string id)
    {
        var digits = id.StartsWith('v') ? id[1..] : id;
        return LinkIds.IsNumber(digits) ? "twitch:video/" + digits : null;
    }

    private static string? ClipKey(string slug) => LinkIds.IsToken(slug) ? "twitch:clip/" + slug : null;

    private static bool Reserved(string segment) => segment is "directory" or "settings" or "subscriptions" or "inventory"
        or "wallet" or "search" or "p" or "downloads" or "jobs" or "login" or "signup" or "turbo" or "friends"
        or "messages" or "drops" or "moderator" or "popout" or "embed" or "prime" or "store" or "user" or "broadcast";
}
