using Fulfillment.Providers.Transport;

namespace Fulfillment.Providers.Smm.Answers;

/// <summary>Short descriptions of bodies for outcomes and exceptions: never the whole body, never the request.</summary>
internal static class AnswerText
{
    public static string Describe(ExchangeResult.Answered answer)
    {
        var body = answer.Body.AsSpan().Trim();
        var kind = body.IsEmpty ? "empty body"
            : body[0] == '<' ? "HTML page"
            : "unreadable body";
        return $"HTTP {answer.StatusCode}, {kind}: {Snippet(answer.Body)}";
    }

    public static string Snippet(string body)
    {
        var text = body.Trim().ReplaceLineEndings(" ");
        return text.Length <= 120 ? text : string.Concat(text.AsSpan(0, 120), "…");
    }
}
