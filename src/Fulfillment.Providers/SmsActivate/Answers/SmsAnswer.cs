using Fulfillment.Providers.Smm.Answers;
using Fulfillment.Providers.Transport;

namespace Fulfillment.Providers.SmsActivate.Answers;

/// <summary>
/// An answer of the text protocol split at its first colon: <c>ACCESS_NUMBER:123:7900</c> is
/// (<c>ACCESS_NUMBER</c>, <c>123:7900</c>). Providers append newlines and a BOM now and then; the token is
/// compared case-insensitively.
/// </summary>
internal readonly record struct SmsAnswer(string Text, string Token, string Rest)
{
    public static SmsAnswer Of(string body)
    {
        var text = body.Trim().Trim('\uFEFF').Trim();
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        return colon < 0
            ? new(text, text, "")
            : new(text, text[..colon].Trim(), text[(colon + 1)..].Trim());
    }

    public bool Is(string token) => Token.Equals(token, StringComparison.OrdinalIgnoreCase);

    /// <summary>Errors about the account or the request as a whole, which any action may get.</summary>
    public bool IsAccountError => Is("BAD_KEY") || Is("BAD_ACTION") || Is("BANNED") || Is("NO_KEY");

    /// <summary>
    /// The provider's own database failed. Its code ran and broke somewhere we cannot see, so a rent or a
    /// status change may have been committed: never read as a refusal.
    /// </summary>
    public bool IsStorageError => Is("ERROR_SQL");

    /// <summary>A gateway's 5xx (the provider's code may have run) or 408 (the server gave up mid-way).</summary>
    public static bool IsUnknownStatus(ExchangeResult.Answered answer) => answer.StatusCode >= 500 || answer.StatusCode == 408;

    public static string Describe(ExchangeResult.Answered answer) => AnswerText.Describe(answer);

    public static string Http(ExchangeResult.Answered answer) => $"HTTP {answer.StatusCode}: {AnswerText.Snippet(answer.Body)}";
}
