using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Fulfillment.Simulator;

/// <summary>A response body built before it is written, so faults can still truncate or drop it.</summary>
/// <param name="Location">The Location header of a redirect.</param>
internal readonly record struct Answer(int Status, ReadOnlyMemory<byte> Body, string ContentType, string? Location = null)
{
    private const string JsonType = "application/json; charset=utf-8";

    public static Answer Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
            write(writer);
        return new Answer(200, buffer.WrittenMemory, JsonType);
    }

    /// <param name="hostile">Carry control characters (<see cref="HostileText.JsonLiteral"/>).</param>
    public static Answer Error(string message, bool hostile = false) => Json(w =>
    {
        w.WriteStartObject();
        w.WriteText("error", message, hostile);
        w.WriteEndObject();
    });

    public static Answer Text(int status, string body, string contentType) => new(status, Encoding.UTF8.GetBytes(body), contentType);

    public Answer Truncated() => this with { Body = Body[..Math.Max(1, Body.Length / 2)] };

    public Answer Emptied() => this with { Body = ReadOnlyMemory<byte>.Empty };
}

internal static class JsonWriterExtensions
{
    /// <summary>A text property; a hostile one carries control characters and a lone surrogate (<see cref="HostileText.JsonLiteral"/>).</summary>
    public static void WriteText(this Utf8JsonWriter writer, string name, string value, bool hostile)
    {
        if (!hostile)
        {
            writer.WriteString(name, value);
            return;
        }

        writer.WritePropertyName(name);
        writer.WriteRawValue(HostileText.JsonLiteral(value), skipInputValidation: true);
    }

    public static void WriteNumberOrString(this Utf8JsonWriter writer, string name, decimal value, bool asString)
    {
        if (asString)
            writer.WriteString(name, value.ToString(CultureInfo.InvariantCulture));
        else
            writer.WriteNumber(name, value);
    }

    public static void WriteNumberOrString(this Utf8JsonWriter writer, string name, long value, bool asString)
    {
        if (asString)
            writer.WriteString(name, value.ToString(CultureInfo.InvariantCulture));
        else
            writer.WriteNumber(name, value);
    }
}
