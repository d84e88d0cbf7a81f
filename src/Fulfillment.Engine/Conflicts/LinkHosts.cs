using System.Globalization;
using System.Text;

namespace Fulfillment.Engine.Conflicts;

/// <summary>The authority of a web address (user info, host, port) as <see cref="ParsedLink"/> reads it: canonical, or the reason it is none.</summary>
internal static class LinkHosts
{
    private static readonly IdnMapping Idn = new();

    /// <summary>The canonical host (lower case, ASCII, without www.) and port of an authority, or why the text is no web address.</summary>
    /// <param name="scheme">What <c>ParsedLink</c> took off the text: HTTP, HTTPS, "//" or empty.</param>
    public static LinkShape Read(ReadOnlySpan<char> authority, string scheme, out string host, out string port)
    {
        host = "";
        port = "";
        var hasScheme = scheme.Length > 0;
        var at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            if (!hasScheme)
            {
                return LinkShape.Text; // "@durov", "name@example.com"
            }

            authority = authority[(at + 1)..];
        }

        if (!SplitPort(authority, out var hostPart, out var portPart))
        {
            return LinkShape.Text;
        }

        hostPart = hostPart.TrimEnd('.');
        if (hostPart.IsEmpty)
        {
            return hasScheme ? LinkShape.Broken : LinkShape.Text;
        }

        var canonical = CanonicalHost(hostPart);
        if (canonical is null || (!hasScheme && !LooksLikeDomain(canonical)))
        {
            return LinkShape.Text;
        }

        host = canonical.StartsWith("www.", StringComparison.Ordinal) && canonical.IndexOf('.', 4) > 0 ? canonical[4..] : canonical;
        port = portPart.TrimStart('0').ToString();
        if (port.Length > 5)
        {
            return LinkShape.Text;
        }

        if ((port == "80" && scheme != "HTTPS") || (port == "443" && scheme != "HTTP"))
        {
            port = "";
        }

        return LinkShape.Url;
    }

    private static bool SplitPort(ReadOnlySpan<char> authority, out ReadOnlySpan<char> host, out ReadOnlySpan<char> port)
    {
        host = authority;
        port = [];
        int colon;
        if (authority.StartsWith("["))
        {
            var close = authority.IndexOf(']');
            if (close < 0)
            {
                return false;
            }

            host = authority[..(close + 1)];
            if (close + 1 == authority.Length)
            {
                return true;
            }

            if (authority[close + 1] != ':')
            {
                return false;
            }

            colon = close + 1;
        }
        else
        {
            colon = authority.LastIndexOf(':');
            if (colon < 0)
            {
                return true;
            }

            host = authority[..colon];
        }

        port = authority[(colon + 1)..];
        foreach (var c in port)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Lower-case ASCII host, IDNA-encoded; null when it holds characters no host may hold.</summary>
    private static string? CanonicalHost(ReadOnlySpan<char> host)
    {
        var text = host.ToString().ToLowerInvariant();
        if (text[0] == '[')
        {
            foreach (var c in text.AsSpan(1, text.Length - 2))
            {
                if (!char.IsAsciiHexDigit(c) && c is not (':' or '.'))
                {
                    return null;
                }
            }

            return text;
        }

        if (!Ascii.IsValid(text))
        {
            try
            {
                text = Idn.GetAscii(text);
            }
            catch (ArgumentException)
            {
                return null;
            }
        }

        var labelStart = true;
        foreach (var c in text)
        {
            if (c == '.')
            {
                if (labelStart)
                {
                    return null; // an empty label: "a..b", ".a"
                }

                labelStart = true;
                continue;
            }

            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_'))
            {
                return null;
            }

            labelStart = false;
        }

        return text;
    }

    /// <summary>Without a scheme, only "name.tld" or an IPv4 address is taken for a host: "durov" and "1.5" stay text.</summary>
    private static bool LooksLikeDomain(string host)
    {
        var lastDot = host.LastIndexOf('.');
        if (lastDot <= 0 || host[0] == '[')
        {
            return false;
        }

        var tld = host.AsSpan(lastDot + 1);
        if (tld.ContainsAnyExceptInRange('0', '9'))
        {
            return tld.Length >= 2 && char.IsAsciiLetter(tld[0]);
        }

        return host.Count(c => c == '.') == 3;
    }

    /// <summary>Removes dot segments and trailing slashes as a browser would; returns the non-empty segments.</summary>
}
