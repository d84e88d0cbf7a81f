using System.Text.Json;
using Fulfillment.Providers.Transport;

namespace Fulfillment.Providers.Smm.Answers;

internal static class CancelAnswer
{
    /// <summary>
    /// <c>[{"order":9,"cancel":{"error":"Incorrect order ID"}},{"order":2,"cancel":1}]</c>. For one id, some
    /// providers answer <c>1</c>, <c>true</c>, <c>{"status":"success"}</c> or <c>{"cancel":1}</c> instead.
    /// </summary>
    public static IReadOnlyDictionary<string, CancelOutcome> Read(ExchangeResult result, IReadOnlyCollection<string> orderIds)
    {
        var ids = orderIds.Distinct().ToList();
        var answer = UnsafeAnswer.From(result);
        if (answer.Document is null)
            return ids.ToDictionary(id => id, _ => Verdict(answer));

        using var document = answer.Document;
        var root = document.RootElement;
        if (ids.Count == 1 && ReadSingle(root) is { } single)
            return new Dictionary<string, CancelOutcome> { [ids[0]] = single };

        var items = UnsafeAnswer.Items(root, "order");
        return ids.ToDictionary(
            id => id,
            id => items.TryGetValue(id.Trim(), out var item) ? ReadItem(item) : new CancelOutcome.Unknown("Not in the provider's answer"));
    }

    private static CancelOutcome? ReadSingle(JsonElement root) => root.ValueKind switch
    {
        JsonValueKind.True or JsonValueKind.False or JsonValueKind.Number or JsonValueKind.String => ReadValue(root),
        JsonValueKind.Object when SmmJson.TryGet(root, "cancel", out var value) => ReadValue(value),
        JsonValueKind.Object when SmmJson.TryGet(root, "status", out _) => ReadValue(root),
        JsonValueKind.Array when root.GetArrayLength() == 1 && root[0].ValueKind != JsonValueKind.Object => ReadValue(root[0]),
        _ => null,
    };

    private static CancelOutcome ReadItem(JsonElement item) =>
        SmmJson.TryGet(item, "cancel", out var value) ? ReadValue(value) : new CancelOutcome.Unknown($"no cancel field in {AnswerText.Snippet(item.GetRawText())}");

    private static CancelOutcome ReadValue(JsonElement value)
    {
        if (SmmJson.Error(value) is { } error)
            return new CancelOutcome.Refused(error);
        var text = value.ValueKind == JsonValueKind.Object ? SmmJson.Text(value, "status") : SmmJson.Text(value);
        return text?.Trim().ToUpperInvariant() switch
        {
            "1" or "TRUE" or "SUCCESS" or "OK" => new CancelOutcome.Accepted(),
            "0" or "FALSE" or "FAIL" or "FAILED" or "ERROR" => new CancelOutcome.Refused($"provider answered {ProviderText.Clean(text, ProviderText.WordLength)}"),
            _ => new CancelOutcome.Unknown($"unrecognised cancel answer {AnswerText.Snippet(value.GetRawText())}"),
        };
    }

    private static CancelOutcome Verdict(UnsafeAnswer answer) =>
        answer.Refused ? new CancelOutcome.Refused(answer.Message) : new CancelOutcome.Unknown(answer.Message);
}
