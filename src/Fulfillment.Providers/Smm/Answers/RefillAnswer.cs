using System.Text.Json;
using Fulfillment.Providers.Transport;

namespace Fulfillment.Providers.Smm.Answers;

internal static class RefillAnswer
{
    /// <summary><c>{"refill":"1"}</c>, or an error object.</summary>
    public static RefillOutcome ReadOne(ExchangeResult result)
    {
        var answer = UnsafeAnswer.From(result);
        if (answer.Document is null)
            return Verdict(answer);
        using var document = answer.Document;
        return ReadValue(document.RootElement);
    }

    /// <summary><c>[{"order":1,"refill":1},{"order":3,"refill":{"error":"Incorrect order ID"}}]</c>.</summary>
    public static IReadOnlyDictionary<string, RefillOutcome> ReadMany(ExchangeResult result, IReadOnlyCollection<string> orderIds)
    {
        var answer = UnsafeAnswer.From(result);
        if (answer.Document is null)
            return orderIds.Distinct().ToDictionary(id => id, _ => Verdict(answer));

        using var document = answer.Document;
        var items = UnsafeAnswer.Items(document.RootElement, "order");
        return orderIds.Distinct().ToDictionary(
            id => id,
            id => items.TryGetValue(id.Trim(), out var item) ? ReadValue(item) : new RefillOutcome.Unknown("Not in the provider's answer"));
    }

    private static RefillOutcome ReadValue(JsonElement item)
    {
        if (!SmmJson.TryGet(item, "refill", out var refill))
            return new RefillOutcome.Unknown($"no refill id in {AnswerText.Snippet(item.GetRawText())}");
        if (SmmJson.Error(refill) is { } error)
            return new RefillOutcome.Refused(error);
        var id = SmmJson.Text(refill)?.Trim();
        if (string.IsNullOrEmpty(id) || id is "0" or "false")
            return new RefillOutcome.Unknown($"no refill id in {AnswerText.Snippet(item.GetRawText())}");
        return ProviderText.IdProblem(id) is { } problem
            ? new RefillOutcome.AcceptedUnusable($"the refill id it answered cannot be used ({problem}): {ProviderText.Quote(id)}")
            : new RefillOutcome.Accepted(id);
    }

    private static RefillOutcome Verdict(UnsafeAnswer answer) =>
        answer.Refused ? new RefillOutcome.Refused(answer.Message) : new RefillOutcome.Unknown(answer.Message);
}
