using System.Text.Json;

namespace Fulfillment.Providers.Smm.Answers;

internal static class StatusAnswer
{
    /// <summary>
    /// A single status object. An error object is a per-order error ("Incorrect order ID"), unless it is
    /// about the account (invalid key, throttling): that is thrown, since it says nothing about the order.
    /// </summary>
    public static StatusResult ReadOne(JsonElement root, ProviderEndpoint provider)
    {
        if (SmmJson.Error(root) is { } error)
        {
            if (SmmErrorClassifier.IsProviderWide(error))
                throw SafeAnswer.ProviderError(error, provider, SmmActions.Status);
            return StatusResult.ForError(error);
        }

        if (root.ValueKind != JsonValueKind.Object)
            throw SafeAnswer.Unexpected(root, provider, SmmActions.Status);
        return ReadItem(root);
    }

    /// <summary>
    /// The error of a multi-status answer that is one "no such order" for the whole call (the PHP panel script, which has no
    /// multi-status, answers "Order not found." to it), or null for any other answer.
    /// </summary>
    public static string? UnknownOrderForTheWholeCall(JsonElement root) =>
        SmmJson.Error(root) is { } error && SmmErrorClassifier.IsUnknownOrder(error) && !SmmErrorClassifier.IsProviderWide(error) ? error : null;

    /// <summary>
    /// A multi-status answer: an object keyed by id (or, from some providers, an array of objects with
    /// an <c>order</c> field). Every requested id gets an entry; one missing from the answer gets an error.
    /// </summary>
    public static IReadOnlyDictionary<string, StatusResult> ReadMany(JsonElement root, IReadOnlyCollection<string> ids, ProviderEndpoint provider)
    {
        SafeAnswer.ThrowIfError(root, provider, SmmActions.Status);
        var found = new Dictionary<string, StatusResult>(StringComparer.Ordinal);
        switch (root.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in root.EnumerateObject())
                    found[property.Name.Trim()] = ReadEntry(property.Value);
                break;
            case JsonValueKind.Array:
                foreach (var item in root.EnumerateArray())
                {
                    if ((SmmJson.Id(item, "order") ?? SmmJson.Id(item, "id")) is { } id)
                        found[id] = ReadEntry(item);
                }

                break;
            default:
                throw SafeAnswer.Unexpected(root, provider, SmmActions.Status);
        }

        var results = new Dictionary<string, StatusResult>(ids.Count, StringComparer.Ordinal);
        foreach (var id in ids)
            results[id] = found.TryGetValue(id.Trim(), out var result) ? result : StatusResult.Missing();
        return results;
    }

    /// <summary>
    /// One entry of a multi-status answer: a status object, an error object, or (SmartPanel) the provider's words as a bare
    /// string, <c>"123": "Incorrect order ID"</c>, kept as the order's error.
    /// </summary>
    private static StatusResult ReadEntry(JsonElement entry) => entry.ValueKind switch
    {
        JsonValueKind.Object => SmmJson.Error(entry) is { } error ? StatusResult.ForError(error) : ReadItem(entry),
        JsonValueKind.String when ProviderText.Clean(entry.GetString(), ProviderText.MessageLength) is { Length: > 0 } words => StatusResult.ForError(words),
        _ => StatusResult.ForError($"Unreadable entry: {AnswerText.Snippet(entry.GetRawText())}"),
    };

    private static StatusResult ReadItem(JsonElement item)
    {
        // Read from the cleaned word: "Completed\u0000" is Completed; anything else stays Unknown and is asked again.
        var raw = SmmJson.CleanText(item, "status", ProviderText.WordLength);
        return new StatusResult(
            ProviderStatusMap.Map(raw),
            raw,
            SmmJson.Long(item, "start_count"),
            SmmJson.Long(item, "remains"),
            SmmJson.Decimal(item, "charge"),
            SmmJson.CleanText(item, "currency", ProviderText.CurrencyLength),
            Posts: SmmJson.Long(item, "posts"),
            ChildOrders: ChildOrders(item));
    }

    /// <summary>
    /// A subscription's child orders: an array of ids, numbers or strings. An id that could not be used later is
    /// dropped rather than cleaned into another one (<see cref="ProviderText.IdProblem"/>).
    /// </summary>
    private static List<string>? ChildOrders(JsonElement item)
    {
        if (!SmmJson.TryGet(item, "orders", out var orders) || orders.ValueKind != JsonValueKind.Array)
            return null;
        var ids = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var child in orders.EnumerateArray())
        {
            if (ids.Count == StatusResult.MaxChildOrders)
                break;
            var id = SmmJson.Text(child)?.Trim();
            if (ProviderText.IdProblem(id) is null && seen.Add(id!))
                ids.Add(id!);
        }

        return ids;
    }
}
