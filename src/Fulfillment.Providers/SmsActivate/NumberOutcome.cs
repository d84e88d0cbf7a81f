using Fulfillment.Providers.Smm;

namespace Fulfillment.Providers.SmsActivate;

/// <summary>
/// What a <c>getNumber</c> produced. Exactly one of four: only <see cref="Rented"/> and <see cref="RentedUnusable"/> mean
/// a number is held (and paid for), only <see cref="Refused"/> means provably none is, and <see cref="Unknown"/> means one may
/// be — the protocol has no way to look it up, so the engine must not rent again for the same order on its own.
/// </summary>
public abstract record NumberOutcome
{
    private NumberOutcome() { }

    /// <summary><c>ACCESS_NUMBER:ID:PHONE</c>, with a usable id (<see cref="ProviderText.IdProblem"/>).</summary>
    public sealed record Rented(string ActivationId, string Phone) : NumberOutcome;

    /// <summary>
    /// A number was rented (and paid for), but the answer's activation id cannot be used in getStatus and
    /// setStatus (or no readable phone came with it). Never rent again for this order; a person must look.
    /// </summary>
    public sealed record RentedUnusable(string Reason) : NumberOutcome;

    /// <summary>
    /// The provider said no, or the request never left this process. <see cref="RefusalKind.Permanent"/> only for
    /// <see cref="SmsRefusal.BadService"/>: asking again cannot succeed.
    /// </summary>
    public sealed record Refused(RefusalKind Kind, SmsRefusal Reason, string Message) : NumberOutcome;

    /// <summary>The request may have reached the provider and the answer was lost, unreadable, a 5xx or <c>ERROR_SQL</c>.</summary>
    /// <param name="Redirected">
    /// The provider's URL answered with a redirect (3xx), not followed (the query carries the key). Whatever answered
    /// received the whole request, so a number may be rented; every later call would be redirected too, so renting from this
    /// provider should pause until someone fixes api_url. <paramref name="Reason"/> says where it points.
    /// </param>
    public sealed record Unknown(string Reason, bool Redirected = false) : NumberOutcome;
}
