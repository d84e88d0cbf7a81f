using Fulfillment.Providers.Transport;

namespace Fulfillment.Providers.Smm.Answers;

/// <summary>Turns an add exchange into an <see cref="AddOutcome"/>. Every path that cannot prove a refusal is Unknown.</summary>
internal static class AddAnswer
{
    public static AddOutcome Read(ExchangeResult result) => result switch
    {
        ExchangeResult.NotSent n => new AddOutcome.Refused(
            RefusalKind.Temporary,
            n.Cause == NotSentCause.LocallyThrottled ? RefusalReason.RateLimited : RefusalReason.Unreachable,
            $"not sent: {n.Reason}"),
        ExchangeResult.Lost l => new AddOutcome.Unknown(l.Reason),
        // The whole request, key and order, reached whatever answered with the redirect: it may have acted on it.
        ExchangeResult.Redirected r => new AddOutcome.Unknown(r.Message, Redirected: true),
        ExchangeResult.Answered a => Read(a),
        _ => new AddOutcome.Unknown("unexpected exchange result"),
    };

    private static AddOutcome Read(ExchangeResult.Answered answer)
    {
        // A 5xx may come from a gateway after the provider's code ran; 408 means the server gave up mid-way.
        if (answer.StatusCode >= 500 || answer.StatusCode == 408)
            return new AddOutcome.Unknown($"HTTP {answer.StatusCode}: {AnswerText.Snippet(answer.Body)}");

        // 429 is an explicit "not processed, slow down".
        if (answer.StatusCode == 429)
            return new AddOutcome.Refused(RefusalKind.Temporary, RefusalReason.RateLimited, "HTTP 429 Too Many Requests");

        if (SmmJson.TryParse(answer.Body, out var document))
        {
            using (document)
            {
                var root = document!.RootElement;
                var error = SmmJson.Error(root);
                var id = SmmJson.Id(root, "order");
                if (id is not null && error is not null)
                {
                    // Which half is true cannot be told: a refusal would send it again while the provider may run it.
                    return new AddOutcome.Unknown(
                        $"the answer carries both an order id ({ProviderText.Quote(id)}) and an error ({error}): {AnswerText.Snippet(answer.Body)}");
                }

                if (error is not null)
                {
                    var (kind, reason) = SmmErrorClassifier.Classify(error);
                    return new AddOutcome.Refused(kind, reason, error);
                }

                if (id is not null)
                {
                    // Validated as sent, never cleaned into something usable: "12\u0000" is not order 12.
                    return ProviderText.IdProblem(id) is { } problem
                        ? new AddOutcome.AcceptedUnusable($"the order id it answered cannot be used ({problem}): {ProviderText.Quote(id)}")
                        : new AddOutcome.Accepted(id);
                }
            }
        }

        // Any other 4xx: the server says it did not process the request (wrong URL, blocked by a firewall).
        if (answer.StatusCode >= 400)
            return new AddOutcome.Refused(RefusalKind.Temporary, RefusalReason.Misconfigured, $"HTTP {answer.StatusCode}: {AnswerText.Snippet(answer.Body)}");

        return new AddOutcome.Unknown(AnswerText.Describe(answer));
    }
}
