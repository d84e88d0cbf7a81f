namespace Fulfillment.Providers.Smm;

/// <summary>What a refill request produced; the same split as <see cref="AddOutcome"/>.</summary>
public abstract record RefillOutcome
{
    private RefillOutcome() { }

    public sealed record Accepted(string RefillId) : RefillOutcome;

    /// <summary>
    /// The provider took the refill, but its refill id cannot be used to ask about it later
    /// (<see cref="ProviderText.IdProblem"/>). Never send the refill again; a person must follow it at the provider.
    /// </summary>
    public sealed record AcceptedUnusable(string Reason) : RefillOutcome;

    public sealed record Refused(string Message) : RefillOutcome;

    public sealed record Unknown(string Reason) : RefillOutcome;
}
