using System.Globalization;
using System.Text.Json;

namespace Fulfillment.Providers.Smm;

/// <summary>
/// One <c>add</c>: only the order's own fields. There is deliberately no place for a user id, email or IP.
/// </summary>
/// <param name="ServiceId">The provider's service id.</param>
/// <param name="Quantity">Null for types that send none (Subscriptions); see <see cref="QuantityRule"/>.</param>
/// <param name="Runs">Drip-feed: how many runs; sent with <see cref="Interval"/> only when both are set.</param>
/// <param name="Interval">Drip-feed: minutes between runs.</param>
/// <param name="Fields">Type-specific fields (comments, usernames, answer_number...). Names outside
/// <see cref="SmmServiceType.AllFields"/> are dropped when sending.</param>
public sealed record AddOrderRequest(
    string ServiceId,
    string Link,
    int? Quantity = null,
    int? Runs = null,
    int? Interval = null,
    IReadOnlyDictionary<string, string>? Fields = null)
{
    /// <summary>
    /// Builds the request for a service type from an order's parameters (a JSON object), taking only the
    /// fields that type allows. Arrays of strings (comment lists, usernames) are joined with newlines.
    /// </summary>
    public static AddOrderRequest ForType(
        string? serviceType, string serviceId, string link, int? quantity, JsonElement parameters, int? runs = null, int? interval = null)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (parameters.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in parameters.EnumerateObject())
            {
                if (AsText(property.Value) is { } text)
                    values[property.Name] = text;
            }
        }

        return ForType(serviceType, serviceId, link, quantity, values, runs, interval);
    }

    /// <inheritdoc cref="ForType(string?, string, string, int?, JsonElement, int?, int?)"/>
    public static AddOrderRequest ForType(
        string? serviceType, string serviceId, string link, int? quantity, IReadOnlyDictionary<string, string> parameters, int? runs = null, int? interval = null)
    {
        var type = SmmServiceType.For(serviceType);
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in type.Fields)
        {
            if (parameters.TryGetValue(name, out var value) && WithoutBlankLines(value) is { Length: > 0 } lines)
                fields[name] = lines;
        }

        var dripFeed = type.AllowsDripFeed && runs is > 1 && interval is > 0;
        int? sent = type.Quantity switch
        {
            QuantityRule.Order => quantity,
            QuantityRule.One => 1,
            QuantityRule.LineCount when type.CountedField is { } counted && fields.TryGetValue(counted, out var list) => list.Split('\n').Length,
            _ => null,
        };
        return new AddOrderRequest(
            serviceId,
            link,
            sent,
            dripFeed ? runs : null,
            dripFeed ? interval : null,
            fields);
    }

    /// <summary>The form fields of this request, without key and action.</summary>
    public IEnumerable<KeyValuePair<string, string>> FormFields()
    {
        yield return new("service", ServiceId);
        yield return new("link", Link);
        if (Quantity is { } quantity)
            yield return new("quantity", quantity.ToString(CultureInfo.InvariantCulture));
        if (Runs is { } runs && Interval is { } interval)
        {
            yield return new("runs", runs.ToString(CultureInfo.InvariantCulture));
            yield return new("interval", interval.ToString(CultureInfo.InvariantCulture));
        }

        if (Fields is null)
            yield break;
        foreach (var (name, value) in Fields)
        {
            if (SmmServiceType.AllFields.Contains(name))
                yield return new(name, value);
        }
    }

    /// <summary>
    /// A list one item per line, as the provider delivers it: line ends (<c>\r\n</c>, <c>\r</c>) made
    /// <c>\n</c> and blank lines (only spaces and tabs) dropped. place_order charges for the same lines
    /// (<c>fulfillment_line_count</c>), so what is sent is what was paid for.
    /// </summary>
    public static string WithoutBlankLines(string value)
    {
        var lines = value.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Split('\n');
        return string.Join('\n', lines.Where(line => !line.All(c => c is ' ' or '\t')));
    }

    private static string? AsText(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.Array => string.Join('\n', value.EnumerateArray().Select(AsText).OfType<string>()),
        _ => null,
    };
}
