using System.Text.Json;
using Fulfillment.Providers.Transport;

namespace Fulfillment.Providers.Smm.Answers;

/// <summary>
/// For refill and cancel (never retried): either a JSON document to read per item, or one verdict for
/// every item — refused when nothing was sent or the provider explicitly refused, unknown otherwise.
/// </summary>
internal readonly record struct UnsafeAnswer(JsonDocument? Document, bool Refused, string Message)
{
    public static UnsafeAnswer From(ExchangeResult result)
    {
        switch (result)
        {
            case ExchangeResult.NotSent n:
                return new(null, true, $"not sent: {n.Reason}");
            case ExchangeResult.Lost l:
                return new(null, false, l.Reason);
            case ExchangeResult.Redirected r:
                // Read as not processed, like an add: the redirect is in front of the provider's code.
                return new(null, true, r.Message);
            case ExchangeResult.Answered a when a.StatusCode >= 500 || a.StatusCode == 408:
                return new(null, false, $"HTTP {a.StatusCode}: {AnswerText.Snippet(a.Body)}");
            case ExchangeResult.Answered { StatusCode: 429 }:
                return new(null, true, "HTTP 429 Too Many Requests");
            case ExchangeResult.Answered a:
                if (SmmJson.TryParse(a.Body, out var document))
                {
                    if (SmmJson.Error(document!.RootElement) is { } error)
                    {
                        document.Dispose();
                        return new(null, true, error);
                    }

                    return new(document, false, "");
                }

                return a.StatusCode >= 400
                    ? new(null, true, $"HTTP {a.StatusCode}: {AnswerText.Snippet(a.Body)}")
                    : new(null, false, AnswerText.Describe(a));
            default:
                return new(null, false, "unexpected exchange result");
        }
    }

    /// <summary>Items of a multi answer keyed by their id field: an array of objects, or an object keyed by id.</summary>
    public static Dictionary<string, JsonElement> Items(JsonElement root, string idField)
    {
        var items = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (root.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in root.EnumerateArray())
            {
                if (SmmJson.Id(item, idField) is { } id)
                    items[id] = item;
            }
        }
        else if (root.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in root.EnumerateObject())
                items[property.Name.Trim()] = property.Value;
        }

        return items;
    }
}
