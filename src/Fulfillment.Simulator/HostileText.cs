using System.Text.Encodings.Web;
using System.Text.Json;

namespace Fulfillment.Simulator;

/// <summary>
/// Texts as a provider with a careless backend sends them (<see cref="SimulatorSettings.ControlCharactersRate"/>):
/// NUL, an ANSI colour escape, BEL, and a lone surrogate escape, which PostgreSQL's text and jsonb refuse.
/// </summary>
internal static class HostileText
{
    /// <summary>
    /// A raw JSON string literal: <c>"\u0000Incorrect order ID\u001b[31m\u0007\ud800"</c>. Written raw, since a JSON
    /// writer would replace the lone surrogate.
    /// </summary>
    public static string JsonLiteral(string text) =>
        "\"\\u0000" + JsonEncodedText.Encode(text, JavaScriptEncoder.UnsafeRelaxedJsonEscaping) + "\\u001b[31m\\u0007\\ud800\"";

    /// <summary>A word a client must still recognise once cleaned (a status, a type, a currency): NUL and BEL inside.</summary>
    public static string Word(string text) => text.Length < 2 ? text + "\0\a" : string.Concat(text.AsSpan(0, 2), "\0", text.AsSpan(2), "\a");

    /// <summary>For the plain-text SMS protocol: NUL and BEL right after the token (<c>NO_NUMBERS\0\a</c>, <c>STATUS_OK\0\a:12345</c>).</summary>
    public static string SmsText(string text)
    {
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? text + "\0\a" : string.Concat(text.AsSpan(0, colon), "\0\a", text.AsSpan(colon));
    }

    /// <summary>An order or activation id the client cannot use later (<see cref="SimulatorSettings.UnusableIdRate"/>).</summary>
    public static string UnusableId(long id, UnusableIdKind kind) => kind switch
    {
        UnusableIdKind.Nul => $"{id}\0",
        UnusableIdKind.Oversized => id.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(500, '7'),
        _ => $"{id},{id + 1}",
    };
}

/// <summary>How <see cref="SimulatorSettings.UnusableIdRate"/> spoils an id.</summary>
public enum UnusableIdKind
{
    /// <summary><c>"123,124"</c>: the separator of multi-id calls.</summary>
    Comma,

    /// <summary><c>"123\u0000"</c>: a C string's terminator, sent along.</summary>
    Nul,

    /// <summary>500 characters.</summary>
    Oversized,
}
