using System.Globalization;
using System.Text.Json;

namespace Fulfillment.Providers.Smm.Answers;

/// <summary>
/// Lenient reading of provider JSON: numbers may be strings, ids ints or strings, unknown numbers empty
/// strings; property names are matched case-insensitively.
/// </summary>
internal static class SmmJson
{
    private static readonly JsonDocumentOptions Lenient = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };

    /// <summary>Parses a body that should be JSON; HTML, empty and truncated bodies give false.</summary>
    public static bool TryParse(string body, out JsonDocument? document)
    {
        document = null;
        var trimmed = body.AsSpan().Trim();
        if (trimmed.IsEmpty || trimmed[0] == '<')
            return false;
        try
        {
            document = JsonDocument.Parse(body.Trim(), Lenient);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    public static bool TryGet(JsonElement element, string name, out JsonElement value)
    {
        value = default;
        if (element.ValueKind != JsonValueKind.Object)
            return false;
        if (element.TryGetProperty(name, out value))
            return true;
        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = property.Value;
                return true;
            }
        }

        return false;
    }

    /// <summary>A scalar as text: strings as they are, numbers and booleans as written; null for the rest.</summary>
    public static string? Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => null,
    };

    public static string? Text(JsonElement element, string name) => TryGet(element, name, out var value) ? Text(value) : null;

    /// <summary>An id, int or string; null when absent, empty or zero-like.</summary>
    public static string? Id(JsonElement element, string name)
    {
        var text = Text(element, name)?.Trim();
        return string.IsNullOrEmpty(text) || text == "0" ? null : text;
    }

    public static decimal? Decimal(JsonElement element, string name)
    {
        var text = Text(element, name)?.Trim();
        return decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;
    }

    /// <summary>A whole number; "157", 157, "157.0" and -12 all read; fractions are truncated.</summary>
    public static long? Long(JsonElement element, string name) => Decimal(element, name) is { } value
        && value >= long.MinValue && value <= long.MaxValue ? (long)decimal.Truncate(value) : null;

    /// <summary>true, 1, "1", "true", "yes" are true; anything else, absence included, is false.</summary>
    public static bool Flag(JsonElement element, string name) =>
        Text(element, name)?.Trim().ToUpperInvariant() is "TRUE" or "1" or "YES";

    /// <summary>The <c>error</c> text of an error object; ignores a <c>status</c> field beside it.</summary>
    public static string? Error(JsonElement element)
    {
        if (!TryGet(element, "error", out var error) || error.ValueKind is JsonValueKind.Null or JsonValueKind.False)
            return null;
        var text = error.ValueKind == JsonValueKind.Object ? Text(error, "message") ?? error.GetRawText() : Text(error);
        return string.IsNullOrWhiteSpace(text) ? "error" : text;
    }
}
