namespace Fulfillment.Providers.SmsActivate;

/// <summary>The <c>action</c> values of the SMS activation protocol, and the values of <c>setStatus</c>.</summary>
public static class SmsActions
{
    public const string GetNumber = "getNumber";
    public const string GetStatus = "getStatus";
    public const string SetStatus = "setStatus";
    public const string GetBalance = "getBalance";

    /// <summary>The SMS has been requested on the number (answer <c>ACCESS_READY</c>).</summary>
    public const int StatusReady = 1;

    /// <summary>Ask for another code on the same number (answer <c>ACCESS_RETRY_GET</c>).</summary>
    public const int StatusAnotherCode = 3;

    /// <summary>The code was used: finish the activation (answer <c>ACCESS_ACTIVATION</c>).</summary>
    public const int StatusComplete = 6;

    /// <summary>Give the number back, refunded (answer <c>ACCESS_CANCEL</c>, or <c>EARLY_CANCEL_DENIED</c> in the first minutes).</summary>
    public const int StatusCancel = 8;
}
