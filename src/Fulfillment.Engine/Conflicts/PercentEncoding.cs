using System.Text;

namespace Fulfillment.Engine.Conflicts;

/// <summary>One spelling for the many ways a path or query can be percent-encoded.</summary>
internal static class PercentEncoding
{
    /// <summary>
    /// RFC 3986 §6.2.2 normalisation: escapes of unreserved characters decoded, other escapes upper-cased,
    /// non-ASCII, spaces and control characters percent-encoded as UTF-8. Two spellings of one address agree.
    /// </summary>
    public static string Canonical(ReadOnlySpan<char> text)
    {
        var clean = true;
        foreach (var c in text)
        {
            if (c == '%' || NeedsEscape(c))
            {
                clean = false;
                break;
            }
        }

        if (clean)
        {
            return text.ToString();
        }

        var builder = new StringBuilder(text.Length + 16);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '%' && i + 2 < text.Length && IsHex(text[i + 1]) && IsHex(text[i + 2]))
            {
                var value = (char)((HexValue(text[i + 1]) << 4) | HexValue(text[i + 2]));
                if (IsUnreserved(value))
                {
                    builder.Append(value);
                }
                else
                {
                    AppendEscape(builder, (byte)value);
                }

                i += 2;
            }
            else if (c < 0x80 && !NeedsEscape(c))
            {
                builder.Append(c);
            }
            else
            {
                // Invalid UTF-16 (a lone surrogate) becomes U+FFFD instead of throwing.
                Rune.DecodeFromUtf16(text[i..], out var rune, out var consumed);
                var length = rune.EncodeToUtf8(utf8);
                for (var b = 0; b < length; b++)
                {
                    AppendEscape(builder, utf8[b]);
                }

                i += consumed - 1;
            }
        }

        return builder.ToString();
    }

    private static bool NeedsEscape(char c) => c <= ' ' || c >= 0x7F || c is '"' or '<' or '>' or '`' or '{' or '}' or '\\' or '^' or '|';

    private static bool IsUnreserved(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~';

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    private static void AppendEscape(StringBuilder builder, byte value) =>
        builder.Append('%').Append("0123456789ABCDEF"[value >> 4]).Append("0123456789ABCDEF"[value & 0xF]);
}
