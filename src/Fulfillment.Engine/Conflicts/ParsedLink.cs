using System.Text;

namespace Fulfillment.Engine.Conflicts;

/// <summary>What <see cref="ParsedLink.Parse"/> made of a text.</summary>
internal enum LinkShape
{
    /// <summary>Not a web address: a handle, a phone number, free text.</summary>
    Text,

    /// <summary>An http(s) address, with or without its scheme.</summary>
    Url,

    /// <summary>A scheme with nothing usable after it (<c>https://</c>, <c>https:///x</c>).</summary>
    Broken,
}

internal readonly record struct QueryParameter(string Name, string? Value);

/// <summary>
/// A web address cut into the parts the platform rules read. Hand-written rather than <see cref="Uri"/>:
/// links arrive without a scheme, with spaces and stray characters, and <see cref="Uri"/> canonicalises
/// in ways we do not control; this parser is linear, allocation-light and never throws.
/// </summary>
internal sealed class ParsedLink
{
    private ParsedLink(string host, string port, string path, List<string> segments, List<QueryParameter> query, string fragment)
    {
        Host = host;
        Port = port;
        Path = path;
        Segments = segments;
        Query = query;
        Fragment = fragment;
    }

    /// <summary>Lower-case ASCII (punycode) host without a trailing dot and without <c>www.</c>.</summary>
    public string Host { get; }

    /// <summary>The port, empty when absent or the scheme's default.</summary>
    public string Port { get; }

    /// <summary>Canonical path without dot segments and trailing slashes: empty or starting with <c>/</c>.</summary>
    public string Path { get; }

    /// <summary>The non-empty segments of <see cref="Path"/>.</summary>
    public IReadOnlyList<string> Segments { get; }

    public IReadOnlyList<QueryParameter> Query { get; }

    /// <summary>The fragment as written, without <c>#</c>; only old Twitter links (<c>#!/user/status/1</c>) read it.</summary>
    public string Fragment { get; }

    public string Segment(int index) => index < Segments.Count ? Segments[index] : "";

    /// <summary>The first value of the query parameter <paramref name="name"/> (exact case), null when absent or empty.</summary>
    public string? Get(string name)
    {
        foreach (var parameter in Query)
        {
            if (parameter.Name == name)
            {
                return string.IsNullOrEmpty(parameter.Value) ? null : parameter.Value;
            }
        }

        return null;
    }

    public static LinkShape Parse(string text, out ParsedLink? link)
    {
        link = null;
        var rest = text.AsSpan();
        if (!TakeScheme(ref rest, out var scheme))
        {
            return LinkShape.Text;
        }

        var authorityEnd = rest.IndexOfAny('/', '?', '#');
        var authority = authorityEnd < 0 ? rest : rest[..authorityEnd];
        var afterAuthority = authorityEnd < 0 ? [] : rest[authorityEnd..];
        var shape = LinkHosts.Read(authority, scheme, out var host, out var port);
        if (shape != LinkShape.Url)
        {
            return shape;
        }

        var fragmentStart = afterAuthority.IndexOf('#');
        var fragment = fragmentStart < 0 ? "" : afterAuthority[(fragmentStart + 1)..].ToString();
        var beforeFragment = fragmentStart < 0 ? afterAuthority : afterAuthority[..fragmentStart];
        var queryStart = beforeFragment.IndexOf('?');
        var rawPath = queryStart < 0 ? beforeFragment : beforeFragment[..queryStart];
        var rawQuery = queryStart < 0 ? [] : beforeFragment[(queryStart + 1)..];

        var segments = PathSegments(rawPath, out var path);
        link = new ParsedLink(host, port, path, segments, ParseQuery(rawQuery), fragment);
        return LinkShape.Url;
    }

    /// <summary>Takes an http(s) scheme (or a scheme-relative <c>//</c>) off the text; false for any other scheme.</summary>
    /// <param name="scheme">HTTP, HTTPS, "//", or empty when the text has none.</param>
    private static bool TakeScheme(ref ReadOnlySpan<char> rest, out string scheme)
    {
        scheme = "";
        var schemeEnd = SchemeEnd(rest);
        if (schemeEnd > 0)
        {
            scheme = rest[..schemeEnd].ToString().ToUpperInvariant();
            if (scheme is not ("HTTP" or "HTTPS"))
            {
                return false;
            }

            rest = rest[(schemeEnd + 3)..];
        }
        else if (rest.StartsWith("//"))
        {
            scheme = "//";
            rest = rest[2..];
        }

        return true;
    }

    /// <summary>Splits <c>a=1&amp;b&amp;c=</c> into canonical name/value pairs; a name without <c>=</c> has a null value.</summary>
    public static List<QueryParameter> ParseQuery(ReadOnlySpan<char> query)
    {
        var parameters = new List<QueryParameter>();
        while (!query.IsEmpty)
        {
            var end = query.IndexOf('&');
            var part = end < 0 ? query : query[..end];
            query = end < 0 ? [] : query[(end + 1)..];
            if (part.IsEmpty)
            {
                continue;
            }

            var equals = part.IndexOf('=');
            var name = PercentEncoding.Canonical(equals < 0 ? part : part[..equals]);
            if (name.Length > 0)
            {
                parameters.Add(new(name, equals < 0 ? null : PercentEncoding.Canonical(part[(equals + 1)..])));
            }
        }

        return parameters;
    }

    /// <summary>Index of the <c>:</c> of a leading <c>scheme://</c>, or -1.</summary>
    private static int SchemeEnd(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty || !char.IsAsciiLetter(text[0]))
        {
            return -1;
        }

        for (var i = 1; i < text.Length && i < 32; i++)
        {
            var c = text[i];
            if (c == ':')
            {
                return text[(i + 1)..].StartsWith("//") ? i : -1;
            }

            if (!char.IsAsciiLetterOrDigit(c) && c is not ('+' or '-' or '.'))
            {
                return -1;
            }
        }

        return -1;
    }

    private static List<string> PathSegments(ReadOnlySpan<char> rawPath, out string path)
    {
        var all = new List<string>();
        var canonical = PercentEncoding.Canonical(rawPath).AsSpan();
        foreach (var range in canonical.Split('/'))
        {
            var segment = canonical[range];
            if (segment is ".")
            {
                continue;
            }

            if (segment is "..")
            {
                if (all.Count > 0)
                {
                    all.RemoveAt(all.Count - 1);
                }

                continue;
            }

            all.Add(segment.ToString());
        }

        // The split yields a leading empty segment for the leading '/'; trailing empties are trailing slashes.
        if (all.Count > 0 && all[0].Length == 0)
        {
            all.RemoveAt(0);
        }

        while (all.Count > 0 && all[^1].Length == 0)
        {
            all.RemoveAt(all.Count - 1);
        }

        path = all.Count == 0 ? "" : "/" + string.Join('/', all);
        all.RemoveAll(s => s.Length == 0);
        return all;
    }
}
