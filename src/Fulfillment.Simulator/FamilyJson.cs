using System.Globalization;
using System.Text.Json;

namespace Fulfillment.Simulator;

/// <summary>How a panel family prints its answers: its JSON, its content type and its money.</summary>
internal static class FamilyJson
{
    public const string PhpType = "text/html; charset=UTF-8";
    public const string JsonType = "application/json";

    private static readonly JsonSerializerOptions Pretty = new() { WriteIndented = true, IndentSize = 4 };

    /// <summary>The family's JSON: pretty-printed by SmartPanel's echo_json_string, compact elsewhere; PHP families send it as text/html.</summary>
    public static Answer Print(PanelFamily family, object value, bool pretty = true)
    {
        var json = JsonSerializer.Serialize(value, family == PanelFamily.SmartPanel && pretty ? Pretty : JsonSerializerOptions.Default);
        return Answer.Text(200, json, family == PanelFamily.Laravel ? JsonType : PhpType);
    }

    /// <summary>Money as MariaDB's decimal columns hand it to PHP: a string with four decimals.</summary>
    public static string Money(decimal value) => decimal.Round(value, 4).ToString("0.0000", CultureInfo.InvariantCulture);
}
