namespace Fulfillment.Providers.Smm;

/// <summary>The <c>action</c> values of SMM panel API v2.</summary>
public static class SmmActions
{
    public const string Services = "services";
    public const string Add = "add";
    public const string Status = "status";
    public const string Refill = "refill";
    public const string RefillStatus = "refill_status";
    public const string Cancel = "cancel";
    public const string Balance = "balance";

    /// <summary>Provider-side limit for multi status, refill, refill status and cancel.</summary>
    public const int MaxIdsPerCall = 100;
}
