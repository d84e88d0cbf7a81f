namespace Fulfillment.Providers.Smm;

/// <summary>
/// What an add produced. Exactly one of four, and they cannot be confused: only <see cref="Accepted"/> and
/// <see cref="AcceptedUnusable"/> mean the provider runs the order, only <see cref="Refused"/> means it provably
/// does not, and <see cref="Unknown"/> means it may — the engine must find out before sending it anywhere again.
/// </summary>
public abstract record AddOutcome
{
    private AddOutcome() { }

    /// <summary>The provider took the order and answered with its id (usable: <see cref="ProviderText.IdProblem"/> found nothing).</summary>
    public sealed record Accepted(string ProviderOrderId) : AddOutcome;

    /// <summary>
    /// The provider took the order, but its id cannot be used in the status, refill and cancel calls that would
    /// carry it (a comma, a control character, 500 characters...). The order runs at the provider: it must never
    /// be sent again, and it cannot be followed here. <paramref name="Reason"/> says why and shows the id, escaped.
    /// </summary>
    public sealed record AcceptedUnusable(string Reason) : AddOutcome;

    /// <summary>
    /// The provider said no, or the request provably never left this process
    /// (<see cref="RefusalReason.Unreachable"/>, <see cref="RefusalReason.RateLimited"/> from our own limiter).
    /// <see cref="RefusalReason.AuthenticationFailed"/> is about the whole provider, not this order.
    /// </summary>
    public sealed record Refused(RefusalKind Kind, RefusalReason Reason, string Message) : AddOutcome;

    /// <summary>
    /// The request may have reached the provider and the answer was lost or unreadable, or said two things at once
    /// (an order id and an error).
    /// </summary>
    /// <param name="Redirected">
    /// The provider's URL answered with a redirect (3xx), not followed (the request carries the key). Whatever answered
    /// received the whole request, so this order is unknown; and every later add to that URL would be redirected too, so
    /// sending to this provider should pause until someone fixes api_url. <paramref name="Reason"/> says where it points.
    /// </param>
    public sealed record Unknown(string Reason, bool Redirected = false) : AddOutcome;
}
