namespace Fulfillment.Providers.SmsActivate;

/// <summary>An activation's state, from <c>getStatus</c>.</summary>
public enum ActivationState
{
    /// <summary><c>STATUS_WAIT_CODE</c>: no SMS yet.</summary>
    WaitCode,

    /// <summary><c>STATUS_WAIT_RETRY:CODE</c>: another code was asked for; the code carried is the previous one.</summary>
    WaitRetry,

    /// <summary><c>STATUS_WAIT_RESEND</c>: waiting for the SMS to be sent again.</summary>
    WaitResend,

    /// <summary><c>STATUS_OK:CODE</c>: the code arrived.</summary>
    Ok,

    /// <summary><c>STATUS_CANCEL</c>: canceled (by us or by the provider when its time ran out).</summary>
    Canceled,

    /// <summary><c>NO_ACTIVATION</c>: the provider does not know this id (wrong id, or long finished).</summary>
    NotFound,

    /// <summary>A readable <c>STATUS_...</c> this client does not know; see <see cref="ActivationStatus.Raw"/>.</summary>
    Unknown,
}
