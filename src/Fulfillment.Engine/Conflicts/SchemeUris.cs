namespace Fulfillment.Engine.Conflicts;

/// <summary>App links that are not web addresses: <c>spotify:track:ID</c> and <c>tg://resolve?domain=durov&amp;post=1</c>.</summary>
internal static class SchemeUris
{
    public static string? Key(string text)
    {
        if (text.StartsWith("spotify:", StringComparison.OrdinalIgnoreCase))
        {
            return Spotify(text["spotify:".Length..]);
        }

        if (text.StartsWith("tg:", StringComparison.OrdinalIgnoreCase))
        {
            return Telegram(text.AsSpan("tg:".Length).TrimStart('/'));
        }

        return null;
    }

    /// <summary><c>spotify:track:ID</c>, <c>spotify:user:NAME:playlist:ID</c>.</summary>
    private static string? Spotify(string rest)
    {
        var parts = rest.Split(':');
        if (parts.Length == 4 && parts[0] == "user" && parts[2] == "playlist")
        {
            parts = parts[2..];
        }

        return parts.Length == 2 ? SpotifyLinks.ItemKey(parts[0], parts[1]) : null;
    }

    /// <summary><c>resolve?domain=NAME[&amp;post=N]</c>, <c>join?invite=HASH</c>, <c>privatepost?channel=ID&amp;post=N</c>.</summary>
    private static string? Telegram(ReadOnlySpan<char> rest)
    {
        var question = rest.IndexOf('?');
        if (question < 0)
        {
            return null;
        }

        var action = rest[..question].TrimEnd('/');
        var query = ParsedLink.ParseQuery(rest[(question + 1)..]);
        string? Get(string name) => query.Find(p => p.Name == name).Value is { Length: > 0 } value ? value : null;

        if (action.Equals("resolve", StringComparison.OrdinalIgnoreCase) && Get("domain") is { } domain)
        {
            return Get("post") is { } post
                ? TelegramLinks.PostKey(domain, post)
                : TelegramLinks.ChannelKey(domain, Get("start") is { } start ? ("start", start) : null);
        }

        if (action.Equals("join", StringComparison.OrdinalIgnoreCase) && Get("invite") is { } invite)
        {
            return TelegramLinks.InviteKey(invite);
        }

        if (action.Equals("privatepost", StringComparison.OrdinalIgnoreCase) && Get("channel") is { } channel && Get("post") is { } privatePost)
        {
            return TelegramLinks.PrivateKey(channel, privatePost);
        }

        return null;
    }
}
