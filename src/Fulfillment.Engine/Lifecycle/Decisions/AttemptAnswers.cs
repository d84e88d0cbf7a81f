using Fulfillment.Data.Entities;
using Fulfillment.Providers.Smm;
using Fulfillment.Providers.SmsActivate;

namespace Fulfillment.Engine.Lifecycle.Decisions;

/// <summary>What an add's (or getNumber's) answer writes on its attempt: the outcome, the provider's id or words, a refusal's kind.</summary>
public static class AttemptAnswers
{
    public static AttemptAnswer Of(long attemptId, AddOutcome outcome) => outcome switch
    {
        AddOutcome.Accepted a => new(attemptId, AttemptOutcome.Accepted, a.ProviderOrderId),
        // The provider runs it, with an id that cannot be used: accepted, no id, the reason kept.
        AddOutcome.AcceptedUnusable u => new(attemptId, AttemptOutcome.Accepted, Error: u.Reason),
        AddOutcome.Refused r => new(attemptId, AttemptOutcome.Refused, Error: r.Message, Refusal: Refusal(r.Kind, SnakeCase(r.Reason.ToString()))),
        AddOutcome.Unknown u => new(attemptId, AttemptOutcome.Unknown, Error: u.Reason),
        _ => new(attemptId, AttemptOutcome.Unknown, Error: $"unexpected outcome {outcome.GetType().Name}"),
    };

    public static AttemptAnswer Of(long attemptId, NumberOutcome outcome) => outcome switch
    {
        NumberOutcome.Rented r => new(attemptId, AttemptOutcome.Accepted, r.ActivationId),
        NumberOutcome.RentedUnusable u => new(attemptId, AttemptOutcome.Accepted, Error: u.Reason),
        NumberOutcome.Refused r => new(attemptId, AttemptOutcome.Refused, Error: r.Message, Refusal: Refusal(r.Kind, SnakeCase(r.Reason.ToString()))),
        NumberOutcome.Unknown u => new(attemptId, AttemptOutcome.Unknown, Error: u.Reason),
        _ => new(attemptId, AttemptOutcome.Unknown, Error: $"unexpected outcome {outcome.GetType().Name}"),
    };

    /// <summary>The engine failed while sending: the request may have left.</summary>
    public static AttemptAnswer Failed(long attemptId, string why) => new(attemptId, AttemptOutcome.Unknown, Error: why);

    private static string Refusal(RefusalKind kind, string reason) => $"{SnakeCase(kind.ToString())}:{reason}";

    private static string SnakeCase(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "_" : "") + char.ToLowerInvariant(c) : c.ToString()));
}
