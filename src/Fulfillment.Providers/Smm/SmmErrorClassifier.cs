namespace Fulfillment.Providers.Smm;

/// <summary>
/// Classifies a provider's <c>{"error": "..."}</c> text. Providers word errors freely, so this matches
/// fragments, checked in order (the duplicate-link message mentions "link", so it goes first).
/// </summary>
/// <remarks>
/// An unrecognised error is <see cref="RefusalKind.Temporary"/> / <see cref="RefusalReason.Other"/>:
/// the provider explicitly answered with an error, so it did not take the order (not Unknown), but we cannot
/// tell whether trying again is pointless, and a temporary refusal keeps the order alive for a person or a
/// later attempt rather than refunding it on a guess.
/// </remarks>
public static class SmmErrorClassifier
{
    private static readonly (string Fragment, RefusalKind Kind, RefusalReason Reason)[] Rules =
    [
        ("active order with this link", RefusalKind.Temporary, RefusalReason.DuplicateLink),
        ("active order", RefusalKind.Temporary, RefusalReason.DuplicateLink),
        ("not enough funds", RefusalKind.Temporary, RefusalReason.InsufficientFunds),
        ("insufficient", RefusalKind.Temporary, RefusalReason.InsufficientFunds),
        ("low balance", RefusalKind.Temporary, RefusalReason.InsufficientFunds),
        ("too many requests", RefusalKind.Temporary, RefusalReason.RateLimited),
        ("rate limit", RefusalKind.Temporary, RefusalReason.RateLimited),
        ("api key", RefusalKind.Temporary, RefusalReason.Misconfigured),
        ("invalid key", RefusalKind.Temporary, RefusalReason.Misconfigured),
        ("incorrect key", RefusalKind.Temporary, RefusalReason.Misconfigured),
        ("api access", RefusalKind.Temporary, RefusalReason.Misconfigured),
        ("incorrect service", RefusalKind.Permanent, RefusalReason.UnknownService),
        ("invalid service", RefusalKind.Permanent, RefusalReason.UnknownService),
        ("service id", RefusalKind.Permanent, RefusalReason.UnknownService),
        ("service not found", RefusalKind.Permanent, RefusalReason.UnknownService),
        ("quantity", RefusalKind.Permanent, RefusalReason.QuantityOutOfRange),
        ("link", RefusalKind.Permanent, RefusalReason.BadLink),
        ("url", RefusalKind.Permanent, RefusalReason.BadLink),
    ];

    public static (RefusalKind Kind, RefusalReason Reason) Classify(string? error)
    {
        if (!string.IsNullOrWhiteSpace(error))
        {
            foreach (var (fragment, kind, reason) in Rules)
            {
                if (error.Contains(fragment, StringComparison.OrdinalIgnoreCase))
                    return (kind, reason);
            }
        }

        return (RefusalKind.Temporary, RefusalReason.Other);
    }

    /// <summary>Errors about the account or the connection, not about the item asked for.</summary>
    public static bool IsProviderWide(string? error) =>
        Classify(error).Reason is RefusalReason.Misconfigured or RefusalReason.RateLimited or RefusalReason.InsufficientFunds;
}
