namespace Fulfillment.Engine.Conflicts;

internal enum LinkPlatform
{
    Instagram,
    TikTok,
    Telegram,
    X,
    YouTube,
    Facebook,
    Twitch,
    Spotify,
}

/// <summary>Which platform a host belongs to, and the host its unclaimed paths are keyed under.</summary>
internal readonly record struct LinkSite(LinkPlatform Platform, string Host)
{
    /// <summary>Mobile and web-app aliases of a platform host; stripped only for known platforms.</summary>
    private static readonly string[] AliasPrefixes = ["m.", "mobile.", "web.", "mbasic.", "touch."];

    /// <summary>The site of a lower-case host without <c>www.</c>, or null for a host we have no rule for.</summary>
    public static LinkSite? Find(string host)
    {
        if (Exact(host) is { } site)
        {
            return site;
        }

        foreach (var prefix in AliasPrefixes)
        {
            if (host.StartsWith(prefix, StringComparison.Ordinal))
            {
                return Exact(host[prefix.Length..]);
            }
        }

        // durov.t.me is the channel durov.
        return host.EndsWith(".t.me", StringComparison.Ordinal) ? new(LinkPlatform.Telegram, "t.me") : null;
    }

    private static LinkSite? Exact(string host) => host switch
    {
        "instagram.com" or "instagr.am" => new(LinkPlatform.Instagram, "instagram.com"),
        "tiktok.com" => new(LinkPlatform.TikTok, "tiktok.com"),
        "vm.tiktok.com" or "vt.tiktok.com" => new(LinkPlatform.TikTok, host),
        "t.me" or "telegram.me" or "telegram.dog" => new(LinkPlatform.Telegram, "t.me"),
        "x.com" or "twitter.com" or "fxtwitter.com" or "vxtwitter.com" or "fixupx.com" or "fixvx.com" => new(LinkPlatform.X, "x.com"),
        "youtube.com" or "youtube-nocookie.com" => new(LinkPlatform.YouTube, "youtube.com"),
        "youtu.be" or "music.youtube.com" => new(LinkPlatform.YouTube, host),
        "facebook.com" or "fb.com" => new(LinkPlatform.Facebook, "facebook.com"),
        "fb.watch" => new(LinkPlatform.Facebook, host),
        "twitch.tv" => new(LinkPlatform.Twitch, "twitch.tv"),
        "clips.twitch.tv" or "player.twitch.tv" => new(LinkPlatform.Twitch, host),
        "open.spotify.com" or "play.spotify.com" => new(LinkPlatform.Spotify, "open.spotify.com"),
        _ => null,
    };
}
