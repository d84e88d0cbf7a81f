namespace Fulfillment.Providers.Smm;

/// <summary>
/// What an add produced. Exactly one of three, and they cannot be confused: only <see cref="Accepted"/>
/// means the provider runs the order, only <see cref="Refused"/> means it provably does not, and
/// <see cref="Unknown"/> means it may — the engine must find out before sending it anywhere again.
/// </summary>
public abstract record AddOutcome
{
    private AddOutcome() { }

    /// <summary>The provider took the order and answered with its id.</summary>
    public sealed record Accepted(string ProviderOrderId) : AddOutcome;

    /// <summary>
    /// The provider said no, or the request provably never left this process
    /// (<see cref="RefusalReason.Unreachable"/>, <see cref="RefusalReason.RateLimited"/> from our own limiter).
    /// </summary>
    public sealed record Refused(RefusalKind Kind, RefusalReason Reason, string Message) : AddOutcome;

    /// <summary>The request may have reached the provider and the answer was lost or unreadable.</summary>
    public sealed record Unknown(string Reason) : AddOutcome;
}
