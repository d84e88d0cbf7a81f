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
            document = JsonDocument.Parse(WithoutLoneSurrogates(body.Trim()), Lenient);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>
    /// Replaces every <c>\uXXXX</c> escape of a lone surrogate with <c>\ufffd</c>. JSON allows such escapes, but
    /// System.Text.Json throws when it reads them as a string (a value or a property name), and PostgreSQL's
    /// jsonb refuses them: one answer carrying one would break whoever reads or stores it.
    /// </summary>
    internal static string WithoutLoneSurrogates(string json)
    {
        var at = json.IndexOf('\\', StringComparison.Ordinal);
        if (at < 0)
            return json;

        System.Text.StringBuilder? builder = null;
        var copied = 0;
        for (var i = at; i < json.Length - 1; i++)
        {
            if (json[i] != '\\')
                continue;
            if (json[i + 1] != 'u' || Escaped(json, i) is not { } unit)
            {
                i++; // an escaped character: \\, \", \n...; never the start of another escape
                continue;
            }

            var pair = char.IsHighSurrogate(unit) && Escaped(json, i + 6) is { } low && char.IsLowSurrogate(low);
            if (pair)
            {
                i += 11;
                continue;
            }

            if (char.IsSurrogate(unit))
            {
                builder ??= new System.Text.StringBuilder(json.Length);
                builder.Append(json, copied, i - copied).Append("\\ufffd");
                copied = i + 6;
            }

            i += 5;
        }

        return builder is null ? json : builder.Append(json, copied, json.Length - copied).ToString();
    }

    /// <summary>The UTF-16 unit of a <c>\uXXXX</c> escape starting at <paramref name="at"/>, or null.</summary>
    private static char? Escaped(string json, int at) =>
        at + 6 <= json.Length && json[at] == '\\' && json[at + 1] == 'u'
        && ushort.TryParse(json.AsSpan(at + 2, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var unit)
            ? (char)unit
            : null;

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

    /// <summary>A text field for storing: <see cref="ProviderText.Clean"/>ed and cut; null when absent or blank.</summary>
    public static string? CleanText(JsonElement element, string name, int maxLength) =>
        ProviderText.Clean(Text(element, name), maxLength) is { Length: > 0 } text ? text : null;

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

    /// <summary>
    /// true, 1, "1", "true", "yes" are true; false, 0, "0", "false", "no" are false; anything else, absence included, is
    /// null: a list that does not say whether a service refills has not said that it does not.
    /// </summary>
    public static bool? Flag(JsonElement element, string name) => Text(element, name)?.Trim().ToUpperInvariant() switch
    {
        "TRUE" or "1" or "YES" => true,
        "FALSE" or "0" or "NO" => false,
        _ => null,
    };

    /// <summary>Whether the field is there with a value that is neither a yes nor a no (<see cref="Flag"/>): "2", "maybe".</summary>
    public static bool NotAFlag(JsonElement element, string name) =>
        Text(element, name) is { } text && !string.IsNullOrWhiteSpace(text) && Flag(element, name) is null;

    /// <summary>
    /// The error text of an error answer, cleaned for storing; null when the element is not one. Two shapes: an
    /// <c>error</c> field (a <c>status</c> beside it is ignored: <c>{"error":"API key invalid","status":"102"}</c>), and
    /// SmartPanel's validation helper, <c>{"status":"error","message":"Invalid Interval in minutes"}</c>. An error whose text
    /// is empty (<c>"error": ""</c>) is still an error, read as "error".
    /// </summary>
    public static string? Error(JsonElement element)
    {
        string? text;
        if (TryGet(element, "error", out var error) && error.ValueKind is not (JsonValueKind.Null or JsonValueKind.False))
            text = error.ValueKind == JsonValueKind.Object ? Text(error, "message") ?? error.GetRawText() : Text(error);
        else if (IsStatusError(element))
            text = Text(element, "message");
        else
            return null;
        return ProviderText.Clean(text, ProviderText.MessageLength) is { Length: > 0 } clean ? clean : "error";
    }

    /// <summary>
    /// <c>{"status":"error","message":...}</c>. A <c>message</c> must be there: <c>"status":"Error"</c> alone is an order's
    /// status word (failed), not an error answer.
    /// </summary>
    private static bool IsStatusError(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object
        && string.Equals(Text(element, "status")?.Trim(), "error", StringComparison.OrdinalIgnoreCase)
        && TryGet(element, "message", out _);
}
