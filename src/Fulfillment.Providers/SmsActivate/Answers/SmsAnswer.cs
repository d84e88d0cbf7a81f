using Fulfillment.Providers.Smm.Answers;
using Fulfillment.Providers.Transport;

namespace Fulfillment.Providers.SmsActivate.Answers;

/// <summary>
/// An answer of the text protocol split at its first colon: <c>ACCESS_NUMBER:123:7900</c> is
/// (<c>ACCESS_NUMBER</c>, <c>123:7900</c>). Providers append newlines and a BOM now and then; the token is
/// compared case-insensitively. <see cref="Text"/>, <see cref="Token"/> and <see cref="Rest"/> are cleaned
/// (<see cref="ProviderText.Clean"/>), so they may be stored; <see cref="RawRest"/> is as sent, for ids, which are
/// validated and never cleaned.
/// </summary>
internal readonly record struct SmsAnswer(string Text, string Token, string Rest, string RawRest)
{
    public static SmsAnswer Of(string body)
    {
        var raw = body.Trim().Trim('\uFEFF').Trim();
        var text = ProviderText.Clean(raw, ProviderText.MessageLength)!;
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var rawColon = raw.IndexOf(':', StringComparison.Ordinal);
        return new(
            text,
            colon < 0 ? text : text[..colon].Trim(),
            colon < 0 ? "" : text[(colon + 1)..].Trim(),
            rawColon < 0 ? "" : raw[(rawColon + 1)..].Trim());
    }

    public bool Is(string token) => Token.Equals(token, StringComparison.OrdinalIgnoreCase);

    /// <summary>Errors about the account or the request as a whole, which any action may get.</summary>
    public bool IsAccountError => IsAuthenticationFailure || Is("BAD_ACTION");

    /// <summary>The key or the account is refused: every call fails until someone fixes the provider row or the account.</summary>
    public bool IsAuthenticationFailure => Is("BAD_KEY") || Is("BANNED") || Is("NO_KEY");

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
