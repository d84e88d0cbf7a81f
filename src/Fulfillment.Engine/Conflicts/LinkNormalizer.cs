namespace Fulfillment.Engine.Conflicts;

/// <summary>
/// Turns an order link into a key that is equal for two links to the same target (post, profile, video,
/// channel) and different for different targets, so that two orders for one target never run at once
/// (mix-smm.ru ToS 2.3). Offline and deterministic: no network, no DNS, short links are not followed.
/// See docs/links.md for the rules per platform.
/// </summary>
public static class LinkNormalizer
{
    /// <summary>
    /// The conflict key of <paramref name="link"/>, e.g. <c>instagram:p/Cabc123</c>, <c>youtube:video/dQw4w9WgXcQ</c>,
    /// <c>telegram:durov/123</c>, <c>x:status/1234567890</c>, <c>generic:example.com/path?a=1</c>; text that is not a
    /// web address keys as <c>text:{trimmed lower-case text}</c> so that identical handles still conflict.
    /// Null for an empty link (an SMS activation) or a scheme with no host: such orders never conflict. Never throws.
    /// </summary>
    public static string? Normalize(string? link)
    {
        if (string.IsNullOrWhiteSpace(link))
        {
            return null;
        }

        var text = Clean(link);
        if (text.Length == 0)
        {
            return null;
        }

        try
        {
            return KeyOf(text);
        }
        catch (Exception)
        {
            // Defence in depth: the parser is written not to throw, and a bad link must never stop order pickup.
            return TextKey(text);
        }
    }

    private static string? KeyOf(string text)
    {
        if (SchemeUris.Key(text) is { } uriKey)
        {
            return uriKey;
        }

        switch (ParsedLink.Parse(text, out var link))
        {
            case LinkShape.Broken:
                return null;
            case LinkShape.Text:
                return TextKey(text);
        }

        var parsed = link!;
        if (LinkSite.Find(parsed.Host) is not { } site)
        {
            return GenericLinkRule.Key(parsed, parsed.Host);
        }

        var key = site.Platform switch
        {
            LinkPlatform.Instagram => InstagramLinks.Key(parsed),
            LinkPlatform.TikTok => TikTokLinks.Key(parsed, site),
            LinkPlatform.Telegram => TelegramLinks.Key(parsed),
            LinkPlatform.X => XLinks.Key(parsed),
            LinkPlatform.YouTube => YouTubeLinks.Key(parsed, site),
            LinkPlatform.Facebook => FacebookLinks.Key(parsed, site),
            LinkPlatform.Twitch => TwitchLinks.Key(parsed, site),
            LinkPlatform.Spotify => SpotifyLinks.Key(parsed),
            _ => null,
        };

        // A path no platform rule claims (settings pages, new URL shapes) is keyed conservatively.
        return key ?? GenericLinkRule.Key(parsed, site.Host, withPort: false);
    }

    /// <summary>Handles and free text: <c>@durov</c> and <c>durov</c> are one handle; case does not matter.</summary>
    private static string TextKey(string text) => "text:" + LinkIds.Lower(text.StartsWith('@') && text.Length > 1 ? text[1..] : text);

    /// <summary>
    /// As a browser does with a pasted address: surrounding spaces, control and invisible characters go,
    /// tabs and line breaks inside go.
    /// </summary>
    private static string Clean(string link)
    {
        var span = link.AsSpan();
        var start = 0;
        var end = span.Length;
        while (start < end && IsBlank(span[start]))
        {
            start++;
        }

        while (end > start && IsBlank(span[end - 1]))
        {
            end--;
        }

        span = span[start..end];
        return span.ContainsAny('\t', '\n', '\r') ? span.ToString().Replace("\t", "", StringComparison.Ordinal)
            .Replace("\n", "", StringComparison.Ordinal).Replace("\r", "", StringComparison.Ordinal) : span.ToString();
    }

    private static bool IsBlank(char c) =>
        c <= ' ' || char.IsWhiteSpace(c) || c is '\u200B' or '\u200C' or '\u200D' or '\u200E' or '\u200F' or '\uFEFF';
}
