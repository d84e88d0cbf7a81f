using Fulfillment.Providers.Smm;
using Fulfillment.Providers.Transport;

namespace Fulfillment.Providers.SmsActivate.Answers;

/// <summary>Turns a getNumber exchange into a <see cref="NumberOutcome"/>. Every path that cannot prove a refusal is Unknown.</summary>
internal static class NumberAnswer
{
    public static NumberOutcome Read(ExchangeResult result) => result switch
    {
        ExchangeResult.NotSent n => new NumberOutcome.Refused(
            RefusalKind.Temporary,
            n.Cause == NotSentCause.LocallyThrottled ? SmsRefusal.RateLimited : SmsRefusal.NotSent,
            $"not sent: {n.Reason}"),
        ExchangeResult.Lost l => new NumberOutcome.Unknown(l.Reason),
        // The query, key and rent included, reached whatever answered with the redirect: it may have rented a number.
        ExchangeResult.Redirected r => new NumberOutcome.Unknown(r.Message, Redirected: true),
        ExchangeResult.Answered a => Read(a),
        _ => new NumberOutcome.Unknown("unexpected exchange result"),
    };

    private static NumberOutcome Read(ExchangeResult.Answered answer)
    {
        if (SmsAnswer.IsUnknownStatus(answer))
            return new NumberOutcome.Unknown(SmsAnswer.Http(answer));
        if (answer.StatusCode == 429)
            return new NumberOutcome.Refused(RefusalKind.Temporary, SmsRefusal.RateLimited, "HTTP 429 Too Many Requests");

        var sms = SmsAnswer.Of(answer.Body);
        if (sms.Is("ACCESS_NUMBER"))
        {
            // A number was rented even if this answer is mangled; without its id it cannot be used or cancelled.
            // The id is read as sent and validated, never cleaned into another activation's id.
            var parts = sms.RawRest.Split(':', 2, StringSplitOptions.TrimEntries);
            if (parts is not [{ Length: > 0 } id, { Length: > 0 } rawPhone] || id.Contains(' ', StringComparison.Ordinal))
                return new NumberOutcome.Unknown($"ACCESS_NUMBER without an id and a phone: {SmsAnswer.Http(answer)}");
            if (ProviderText.IdProblem(id) is { } problem)
                return new NumberOutcome.RentedUnusable($"the activation id it answered cannot be used ({problem}): {ProviderText.Quote(id)}");
            return ProviderText.Clean(rawPhone, 32) is { Length: > 0 } phone
                ? new NumberOutcome.Rented(id, phone)
                : new NumberOutcome.RentedUnusable($"activation {id} came without a readable phone number");
        }

        if (sms.IsStorageError)
            return new NumberOutcome.Unknown(sms.Text);

        (RefusalKind, SmsRefusal)? refusal =
            sms.Is("NO_NUMBERS") ? (RefusalKind.Temporary, SmsRefusal.NoNumbers)
            : sms.Is("NO_BALANCE") ? (RefusalKind.Temporary, SmsRefusal.NoBalance)
            : sms.Is("BAD_SERVICE") ? (RefusalKind.Permanent, SmsRefusal.BadService)
            : sms.Is("BAD_KEY") || sms.Is("NO_KEY") ? (RefusalKind.Temporary, SmsRefusal.BadKey)
            : sms.Is("BANNED") ? (RefusalKind.Temporary, SmsRefusal.Banned)
            : sms.Is("BAD_ACTION") ? (RefusalKind.Temporary, SmsRefusal.Other)
            : null;
        if (refusal is var (kind, reason))
            return new NumberOutcome.Refused(kind, reason, sms.Text);

        // Any other 4xx: the server says it did not process the request (wrong URL, blocked by a firewall).
        // A 2xx we cannot read (HTML, empty, a token we do not know) may hide a rent.
        return answer.StatusCode >= 400
            ? new NumberOutcome.Refused(RefusalKind.Temporary, SmsRefusal.Other, SmsAnswer.Http(answer))
            : new NumberOutcome.Unknown(SmsAnswer.Describe(answer));
    }
}
