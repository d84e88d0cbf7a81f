using System.Globalization;
using System.Text;

namespace Fulfillment.Providers;

/// <summary>
/// The one rule for provider text on its way to a column or a jsonb value. A provider's answer may carry
/// anything: PostgreSQL <c>text</c> refuses NUL and <c>jsonb</c> refuses <c>\u0000</c> and lone surrogates, so a
/// single bad string would fail the whole transaction that records it, with every other order in it.
/// </summary>
/// <remarks>
/// Invalid UTF-8 never gets this far: the body is decoded with replacement characters (U+FFFD). Lone
/// surrogate escapes in JSON (<c>\ud800</c>) are replaced before parsing, see <c>SmmJson.TryParse</c>.
/// </remarks>
public static class ProviderText
{
    /// <summary>Error messages, refusal and loss reasons.</summary>
    public const int MessageLength = 500;

    /// <summary>Status words, service types, tokens.</summary>
    public const int WordLength = 100;

    /// <summary>Service names and categories.</summary>
    public const int NameLength = 300;

    /// <summary>Currency codes.</summary>
    public const int CurrencyLength = 16;

    /// <summary>Order, refill, activation and service ids: see <see cref="IdProblem"/>.</summary>
    public const int IdLength = 64;

    /// <summary>
    /// Printable text, at most <paramref name="maxLength"/> characters: control characters (C0, DEL, C1,
    /// NUL above all) and bidirectional overrides are dropped, tabs and line breaks become one space, a lone
    /// surrogate becomes U+FFFD, and the result is trimmed; longer text is cut, ending in "…" (never
    /// between the two halves of a surrogate pair). Null stays null.
    /// </summary>
    public static string? Clean(string? text, int maxLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 2);
        if (text is null)
        {
            return null;
        }

        if (IsClean(text, maxLength))
        {
            return text;
        }

        var builder = new StringBuilder(Math.Min(text.Length, maxLength + 2));
        for (var i = 0; i < text.Length && builder.Length <= maxLength; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                builder.Append(c).Append(text[i + 1]);
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                builder.Append('\uFFFD');
            }
            else if (c is '\t' or '\n' or '\r' || char.IsWhiteSpace(c))
            {
                // Leading whitespace and runs collapse: a line break is a separator, not content.
                if (builder.Length > 0 && builder[^1] != ' ')
                {
                    builder.Append(' ');
                }
            }
            else if (!char.IsControl(c) && !IsBidiControl(c))
            {
                builder.Append(c);
            }
        }

        while (builder.Length > 0 && builder[^1] == ' ')
        {
            builder.Length--;
        }

        if (builder.Length <= maxLength)
        {
            return builder.ToString();
        }

        var cut = maxLength - 1;
        if (char.IsLowSurrogate(builder[cut]) && char.IsHighSurrogate(builder[cut - 1]))
        {
            cut--;
        }

        return string.Concat(builder.ToString(0, cut).TrimEnd(), "…");
    }

    /// <summary>
    /// Why an id from a provider cannot be used later, or null when it can. A usable id is 1 to
    /// <see cref="IdLength"/> characters of <c>A-Z a-z 0-9 . _ : -</c>: printable ASCII, no whitespace, and none of
    /// the separators the protocols put between ids (<c>,</c> in multi calls) or around them (<c>&amp;</c>, <c>=</c>).
    /// An id is never cleaned into a usable one: "12\0" is not "12", which may be another order.
    /// </summary>
    public static string? IdProblem(string? id)
    {
        if (string.IsNullOrEmpty(id))
        {
            return "it is empty";
        }

        if (id.Length > IdLength)
        {
            return $"it is {id.Length} characters long (at most {IdLength})";
        }

        foreach (var c in id)
        {
            if (char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '-')
            {
                continue;
            }

            return c switch
            {
                ',' => "it contains a comma, the separator of multi-id calls",
                _ when char.IsControl(c) => "it contains a control character",
                _ when char.IsWhiteSpace(c) => "it contains whitespace",
                _ => $"it contains '{(char.IsSurrogate(c) ? "\uFFFD" : c.ToString())}' (only letters, digits and . _ : - are allowed)",
            };
        }

        return null;
    }

    /// <summary>
    /// Text shown for an operator to recognise it (an unusable id): quoted, with every character outside
    /// printable ASCII written as <c>\uXXXX</c>, cut to <paramref name="maxLength"/> characters.
    /// </summary>
    public static string Quote(string? text, int maxLength = 80)
    {
        var builder = new StringBuilder("\"");
        foreach (var c in text ?? "")
        {
            if (builder.Length >= maxLength)
            {
                builder.Append('…');
                break;
            }

            if (c is >= ' ' and <= '~' and not '"' and not '\\')
            {
                builder.Append(c);
            }
            else
            {
                builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
        }

        return builder.Append('"').ToString();
    }

    private static bool IsClean(string text, int maxLength)
    {
        if (text.Length > maxLength || (text.Length > 0 && (char.IsWhiteSpace(text[0]) || char.IsWhiteSpace(text[^1]))))
        {
            return false;
        }

        var previousSpace = false;
        foreach (var c in text)
        {
            if (char.IsControl(c) || char.IsSurrogate(c) || IsBidiControl(c) || (char.IsWhiteSpace(c) && (c != ' ' || previousSpace)))
            {
                return false;
            }

            previousSpace = c == ' ';
        }

        return true;
    }

    /// <summary>Embeddings, overrides and isolates: they reorder what an operator reads around them.</summary>
    private static bool IsBidiControl(char c) => c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069';
}
