namespace Fulfillment.Providers.Smm;

/// <summary>What a cancel request produced for one order.</summary>
public abstract record CancelOutcome
{
    private CancelOutcome() { }

    /// <summary>The provider took the cancel request (the order's status will say when it is canceled).</summary>
    public sealed record Accepted : CancelOutcome;

    public sealed record Refused(string Message) : CancelOutcome;

    public sealed record Unknown(string Reason) : CancelOutcome;
}
