using System.Text.Json;

namespace Fulfillment.Providers.Smm.Answers;

internal static class RefillStatusAnswer
{
    public static RefillStatusResult ReadOne(JsonElement root, ProviderEndpoint provider)
    {
        if (SmmJson.Error(root) is { } error)
        {
            if (SmmErrorClassifier.IsProviderWide(error))
                throw SafeAnswer.ProviderError(error, provider, SmmActions.RefillStatus);
            return new RefillStatusResult(ProviderOrderState.Unknown, null, error);
        }

        return root.ValueKind == JsonValueKind.Object ? ReadStatus(root) : throw SafeAnswer.Unexpected(root, provider, SmmActions.RefillStatus);
    }

    /// <summary><c>[{"refill":1,"status":"Completed"},{"refill":2,"status":{"error":"Refill not found"}}]</c>.</summary>
    public static IReadOnlyDictionary<string, RefillStatusResult> ReadMany(JsonElement root, IReadOnlyCollection<string> refillIds, ProviderEndpoint provider)
    {
        SafeAnswer.ThrowIfError(root, provider, SmmActions.RefillStatus);
        var items = Answers.UnsafeAnswer.Items(root, "refill");
        return refillIds.Distinct().ToDictionary(
            id => id,
            id => items.TryGetValue(id.Trim(), out var item)
                ? (SmmJson.Error(item) is { } error ? new RefillStatusResult(ProviderOrderState.Unknown, null, error) : ReadStatus(item))
                : new RefillStatusResult(ProviderOrderState.Unknown, null, "Not in the provider's answer"));
    }

    private static RefillStatusResult ReadStatus(JsonElement item)
    {
        if (SmmJson.TryGet(item, "status", out var status) && SmmJson.Error(status) is { } error)
            return new RefillStatusResult(ProviderOrderState.Unknown, null, error);
        var raw = SmmJson.CleanText(item, "status", ProviderText.WordLength);
        return new RefillStatusResult(ProviderStatusMap.Map(raw), raw);
    }
}
