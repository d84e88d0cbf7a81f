namespace Fulfillment.Engine.Conflicts;

/// <summary>
/// open.spotify.com (optionally /intl-xx/ or /embed/) and spotify: URIs. An item is its kind and its base62 id
/// (case-sensitive); si, utm_*, context, nd and every other parameter are dropped.
/// </summary>
internal static class SpotifyLinks
{
    public static string? Key(ParsedLink link)
    {
        var s = link.Segments.ToList();
        if (s.Count > 0 && s[0].StartsWith("intl-", StringComparison.Ordinal))
        {
            s.RemoveAt(0);
        }

        if (s.Count > 0 && s[0] == "embed")
        {
            s.RemoveAt(0);
        }

        if (s.Count == 4 && s[0] == "user" && s[2] == "playlist")
        {
            s.RemoveRange(0, 2); // the old /user/NAME/playlist/ID form
        }

        return s.Count == 2 ? ItemKey(s[0], s[1]) : null;
    }

    /// <summary><c>spotify:track/ID</c>; a user keeps its id as written.</summary>
    public static string? ItemKey(string kind, string id) =>
        kind is "track" or "album" or "playlist" or "artist" or "show" or "episode" or "audiobook" or "chapter" or "user"
        && LinkIds.IsMadeOf(id, 100, "._-")
            ? $"spotify:{kind}/{id}"
            : null;
}
