using System.Globalization;
using Fulfillment.Providers.Smm;
using Fulfillment.Providers.Transport;

namespace Fulfillment.Providers.SmsActivate.Answers;

/// <summary>getStatus and getBalance: a readable answer, or a <see cref="ProviderCallException"/> saying why not.</summary>
internal static class SafeSmsAnswer
{
    public static ActivationStatus ReadStatus(ExchangeResult result, ProviderEndpoint provider)
    {
        var sms = Parse(result, provider, SmsActions.GetStatus);
        var code = sms.Rest.Length > 0 ? sms.Rest : null;
        ActivationState? state =
            sms.Is("STATUS_WAIT_CODE") ? ActivationState.WaitCode
            : sms.Is("STATUS_WAIT_RETRY") ? ActivationState.WaitRetry
            : sms.Is("STATUS_WAIT_RESEND") ? ActivationState.WaitResend
            : sms.Is("STATUS_OK") && code is not null ? ActivationState.Ok
            : sms.Is("STATUS_CANCEL") ? ActivationState.Canceled
            : sms.Is("NO_ACTIVATION") ? ActivationState.NotFound
            : sms.Token.StartsWith("STATUS_", StringComparison.OrdinalIgnoreCase) ? ActivationState.Unknown
            : null;
        return state switch
        {
            ActivationState.Ok or ActivationState.WaitRetry => new ActivationStatus(state.Value, code, sms.Text),
            { } s => new ActivationStatus(s, null, sms.Text),
            null => throw Unexpected(sms, provider, SmsActions.GetStatus),
        };
    }

    public static BalanceResult ReadBalance(ExchangeResult result, ProviderEndpoint provider)
    {
        var sms = Parse(result, provider, SmsActions.GetBalance);
        return sms.Is("ACCESS_BALANCE") && decimal.TryParse(sms.Rest, NumberStyles.Number, CultureInfo.InvariantCulture, out var balance)
            ? new BalanceResult(balance, null)
            : throw Unexpected(sms, provider, SmsActions.GetBalance);
    }

    private static SmsAnswer Parse(ExchangeResult result, ProviderEndpoint provider, string action)
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
                var sms = SmsAnswer.Of(a.Body);
                if (sms.IsAccountError || sms.IsStorageError)
                    throw new ProviderCallException(sms.IsAuthenticationFailure ? ProviderCallFailure.AuthenticationFailed : ProviderCallFailure.ProviderError,
                        provider.Name, action, sms.Text);
                if (a.StatusCode is < 200 or >= 300)
                    throw new ProviderCallException(ProviderCallFailure.HttpStatus, provider.Name, action, SmsAnswer.Http(a));
                if (sms.Text.Length == 0 || sms.Text[0] == '<')
                    throw new ProviderCallException(ProviderCallFailure.UnreadableAnswer, provider.Name, action, SmsAnswer.Describe(a));
                return sms;
            default:
                throw new ProviderCallException(ProviderCallFailure.NoAnswer, provider.Name, action, "unexpected exchange result");
        }
    }

    // The whole text would carry a code if one came in a form we did not expect; the token says enough.
    private static ProviderCallException Unexpected(SmsAnswer sms, ProviderEndpoint provider, string action) =>
        new(ProviderCallFailure.UnreadableAnswer, provider.Name, action, $"unexpected answer: {Smm.Answers.AnswerText.Snippet(sms.Token)}");
}
