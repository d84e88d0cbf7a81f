namespace Fulfillment.Providers.SmsActivate;

/// <summary>What a <c>setStatus</c> produced.</summary>
public abstract record SetStatusOutcome
{
    private SetStatusOutcome() { }

    /// <summary>The provider took it: <c>ACCESS_READY</c>, <c>ACCESS_RETRY_GET</c>, <c>ACCESS_ACTIVATION</c>, <c>ACCESS_CANCEL</c>.</summary>
    public sealed record Done(string Raw) : SetStatusOutcome;

    /// <summary><c>EARLY_CANCEL_DENIED</c>: too soon after renting to cancel; try again after the provider's window.</summary>
    public sealed record EarlyCancelDenied : SetStatusOutcome;

    /// <summary>The provider said no (<c>NO_ACTIVATION</c>, <c>BAD_STATUS</c>, <c>BAD_KEY</c>...), or the request never left.</summary>
    public sealed record Refused(string Message) : SetStatusOutcome;

    /// <summary>The request may have been acted on and the answer was lost, unreadable, a 5xx or <c>ERROR_SQL</c>.</summary>
    public sealed record Unknown(string Reason) : SetStatusOutcome;
}
