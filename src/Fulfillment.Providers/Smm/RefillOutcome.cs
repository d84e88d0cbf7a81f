namespace Fulfillment.Providers.Smm;

/// <summary>What a refill request produced; the same three-way split as <see cref="AddOutcome"/>.</summary>
public abstract record RefillOutcome
{
    private RefillOutcome() { }

    public sealed record Accepted(string RefillId) : RefillOutcome;

    public sealed record Refused(string Message) : RefillOutcome;

    public sealed record Unknown(string Reason) : RefillOutcome;
}
