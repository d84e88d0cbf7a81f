namespace Fulfillment.Engine.Conflicts;

/// <summary>Character-class checks for ids and handles; a value that fails one falls back to the generic rule.</summary>
internal static class LinkIds
{
    /// <summary>Decimal digits only (post, status, video ids).</summary>
    public static bool IsNumber(string value, int maxLength = 24) =>
        value.Length > 0 && value.Length <= maxLength && !value.AsSpan().ContainsAnyExceptInRange('0', '9');

    /// <summary>Letters, digits, <c>_</c> and <c>-</c>: base64url-style codes (shortcodes, slugs, hashes).</summary>
    public static bool IsToken(string value, int maxLength = 128) => IsMadeOf(value, maxLength, "-_");

    /// <summary>Letters, digits and the given punctuation, 1 to <paramref name="maxLength"/> characters.</summary>
    public static bool IsMadeOf(string value, int maxLength, string punctuation)
    {
        if (value.Length == 0 || value.Length > maxLength)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && !punctuation.Contains(c, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Handles the platform treats case-insensitively are keyed in lower case.</summary>
    public static string Lower(string value) => value.ToLowerInvariant();
}
