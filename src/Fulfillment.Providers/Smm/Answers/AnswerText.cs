using Fulfillment.Providers.Transport;

namespace Fulfillment.Providers.Smm.Answers;

/// <summary>Short descriptions of bodies for outcomes and exceptions: never the whole body, never the request, never a control character.</summary>
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

    /// <summary>The start of a body, cleaned (<see cref="ProviderText.Clean"/>): it ends up in columns and events.</summary>
    public static string Snippet(string body) => ProviderText.Clean(body, 121)!;
}
