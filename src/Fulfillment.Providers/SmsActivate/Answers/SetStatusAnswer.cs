using Fulfillment.Providers.Transport;

namespace Fulfillment.Providers.SmsActivate.Answers;

/// <summary>Turns a setStatus exchange into a <see cref="SetStatusOutcome"/>.</summary>
internal static class SetStatusAnswer
{
    public static SetStatusOutcome Read(ExchangeResult result) => result switch
    {
        ExchangeResult.NotSent n => new SetStatusOutcome.Refused($"not sent: {n.Reason}"),
        ExchangeResult.Lost l => new SetStatusOutcome.Unknown(l.Reason),
        ExchangeResult.Redirected r => new SetStatusOutcome.Refused(r.Message),
        ExchangeResult.Answered a => Read(a),
        _ => new SetStatusOutcome.Unknown("unexpected exchange result"),
    };

    private static SetStatusOutcome Read(ExchangeResult.Answered answer)
    {
        if (SmsAnswer.IsUnknownStatus(answer))
            return new SetStatusOutcome.Unknown(SmsAnswer.Http(answer));
        if (answer.StatusCode == 429)
            return new SetStatusOutcome.Refused("HTTP 429 Too Many Requests");

        var sms = SmsAnswer.Of(answer.Body);
        if (sms.Token.StartsWith("ACCESS_", StringComparison.OrdinalIgnoreCase))
            return new SetStatusOutcome.Done(sms.Text);
        if (sms.Is("EARLY_CANCEL_DENIED"))
            return new SetStatusOutcome.EarlyCancelDenied();
        if (sms.IsStorageError)
            return new SetStatusOutcome.Unknown(sms.Text);
        if (sms.Is("NO_ACTIVATION") || sms.Is("BAD_STATUS") || sms.Is("WRONG_ACTIVATION_ID") || sms.IsAccountError)
            return new SetStatusOutcome.Refused(sms.Text);

        return answer.StatusCode >= 400
            ? new SetStatusOutcome.Refused(SmsAnswer.Http(answer))
            : new SetStatusOutcome.Unknown(SmsAnswer.Describe(answer));
    }
}
