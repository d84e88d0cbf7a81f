namespace Fulfillment.Engine.Conflicts;

/// <summary>
/// t.me, telegram.me, telegram.dog and NAME.t.me. Channel and bot names are case-insensitive; invite hashes are not.
/// <c>/s/NAME/N</c> (the web preview) is <c>/NAME/N</c>; <c>?single</c>, <c>?comment=</c> and the like are dropped.
/// </summary>
internal static class TelegramLinks
{
    private static readonly string[] StartParameters = ["start", "startapp", "startgroup"];

    public static string? Key(ParsedLink link)
    {
        var segments = link.Segments.ToList();
        if (link.Host.EndsWith(".t.me", StringComparison.Ordinal))
        {
            segments.Insert(0, link.Host[..^".t.me".Length]);
        }

        if (segments.Count > 0 && segments[0] == "s")
        {
            segments.RemoveAt(0);
        }

        if (segments.Count == 0)
        {
            return null;
        }

        var first = segments[0];
        var second = segments.Count > 1 ? segments[1] : "";
        if (first.StartsWith('+') || first.StartsWith("%2B", StringComparison.Ordinal))
        {
            return segments.Count == 1 ? InviteKey(first[(first[0] == '+' ? 1 : 3)..]) : null;
        }

        switch (first)
        {
            case "c":
                return segments.Count switch
                {
                    2 => LinkIds.IsNumber(second) ? "telegram:c/" + second : null,
                    3 or 4 => PrivateKey(second, segments[^1]),
                    _ => null,
                };
            case "joinchat":
                return segments.Count == 2 ? InviteKey(second) : null;
            case "boost":
                return segments.Count == 2 ? ChannelKey(second, null) : null;
        }

        if (Reserved(first))
        {
            return null;
        }

        return segments.Count switch
        {
            1 => ChannelKey(first, Start(link)),
            // In a forum group /NAME/TOPIC/N: message ids are unique per chat, so N alone names the message.
            2 or 3 => PostKey(first, segments[^1]),
            _ => null,
        };
    }

    /// <summary><c>telegram:@name</c>; a bot link keeps its start parameter, which is what a bot-start order sells.</summary>
    public static string? ChannelKey(string name, (string Name, string Value)? start)
    {
        if (!IsName(name))
        {
            return null;
        }

        var key = "telegram:@" + LinkIds.Lower(name);
        return start is { } s ? $"{key}?{s.Name}={s.Value}" : key;
    }

    /// <summary><c>telegram:name/123</c>.</summary>
    public static string? PostKey(string name, string post) =>
        IsName(name) && LinkIds.IsNumber(post) ? $"telegram:{LinkIds.Lower(name)}/{post}" : null;

    /// <summary><c>telegram:c/1234567890/12</c>: a post in a private channel, by the channel's numeric id.</summary>
    public static string? PrivateKey(string channel, string post) =>
        LinkIds.IsNumber(channel) && LinkIds.IsNumber(post) ? $"telegram:c/{channel}/{post}" : null;

    /// <summary><c>t.me/+HASH</c> and <c>t.me/joinchat/HASH</c> are one invite: <c>telegram:+HASH</c> (case-sensitive).</summary>
    public static string? InviteKey(string hash) => LinkIds.IsToken(hash) ? "telegram:+" + hash : null;

    private static (string, string)? Start(ParsedLink link)
    {
        foreach (var name in StartParameters)
        {
            if (link.Get(name) is { } value)
            {
                return (name, value);
            }
        }

        return null;
    }

    private static bool IsName(string name) => LinkIds.IsMadeOf(name, 64, "_");

    private static bool Reserved(string first) => first is "addstickers" or "addemoji" or "addtheme" or "addlist" or "setlanguage"
        or "share" or "proxy" or "socks" or "iv" or "login" or "confirmphone" or "bg" or "invoice" or "contact" or "m"
        or "giftcode" or "nft" or "dl";
}
