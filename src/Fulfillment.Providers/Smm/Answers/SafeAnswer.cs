using System.Text.Json;
using Fulfillment.Providers.Transport;

namespace Fulfillment.Providers.Smm.Answers;

/// <summary>For repeatable calls: a JSON document, or a <see cref="ProviderCallException"/> saying why not.</summary>
internal static class SafeAnswer
{
    public static JsonDocument Parse(ExchangeResult result, ProviderEndpoint provider, string action)
    {
        switch (result)
        {
            case ExchangeResult.NotSent n:
                throw new ProviderCallException(ProviderCallFailure.NotSent, provider.Name, action, n.Reason);
            case ExchangeResult.Lost l:
                throw new ProviderCallException(ProviderCallFailure.NoAnswer, provider.Name, action, l.Reason);
            case ExchangeResult.Redirected r:
                throw new ProviderCallException(ProviderCallFailure.Redirected, provider.Name, action, r.Message);
            case ExchangeResult.Answered a:
                if (SmmJson.TryParse(a.Body, out var document))
                {
                    // Some providers send {"error": ...} with a 4xx; the error text is more useful than the code.
                    if (a.StatusCode is >= 200 and < 300 || SmmJson.Error(document!.RootElement) is not null)
                        return document!;
                    document.Dispose();
                }

                throw a.StatusCode is >= 200 and < 300
                    ? new ProviderCallException(ProviderCallFailure.UnreadableAnswer, provider.Name, action, AnswerText.Describe(a))
                    : new ProviderCallException(ProviderCallFailure.HttpStatus, provider.Name, action, $"HTTP {a.StatusCode}: {AnswerText.Snippet(a.Body)}");
            default:
                throw new ProviderCallException(ProviderCallFailure.NoAnswer, provider.Name, action, "unexpected exchange result");
        }
    }

    /// <summary>Throws when the whole answer is an error object.</summary>
    public static void ThrowIfError(JsonElement root, ProviderEndpoint provider, string action)
    {
        if (SmmJson.Error(root) is { } error)
            throw ProviderError(error, provider, action);
    }

    /// <summary>An error for the whole call; a refused key or account is told apart, since it stays until someone fixes it.</summary>
    public static ProviderCallException ProviderError(string error, ProviderEndpoint provider, string action) =>
        new(SmmErrorClassifier.IsAuthenticationFailure(error) ? ProviderCallFailure.AuthenticationFailed : ProviderCallFailure.ProviderError,
            provider.Name, action, error);

    public static ProviderCallException Unexpected(JsonElement root, ProviderEndpoint provider, string action) =>
        new(ProviderCallFailure.UnreadableAnswer, provider.Name, action, $"unexpected answer: {AnswerText.Snippet(root.GetRawText())}");
}
