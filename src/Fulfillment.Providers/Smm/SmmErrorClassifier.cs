namespace Fulfillment.Providers.Smm;

/// <summary>
/// Classifies a provider's error text (<c>{"error": "..."}</c> or <c>{"status":"error","message":"..."}</c>). Providers word
/// errors freely, so this matches fragments, checked in order: account problems first (their words mention keys, users and
/// orders), then the same-link rule (its words mention the link), then the rest. Every wording is one a panel script's
/// source sends (the conformance corpus in the provider tests names each).
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
        ("api is disable", RefusalKind.Temporary, RefusalReason.AuthenticationFailed),
        ("user not found", RefusalKind.Temporary, RefusalReason.AuthenticationFailed),
        ("invalid api key", RefusalKind.Temporary, RefusalReason.AuthenticationFailed),
        ("api key invalid", RefusalKind.Temporary, RefusalReason.AuthenticationFailed),
        ("incorrect api key", RefusalKind.Temporary, RefusalReason.AuthenticationFailed),
        ("wrong api key", RefusalKind.Temporary, RefusalReason.AuthenticationFailed),
        ("api key is required", RefusalKind.Temporary, RefusalReason.AuthenticationFailed),
        ("invalid key", RefusalKind.Temporary, RefusalReason.AuthenticationFailed),
        ("incorrect key", RefusalKind.Temporary, RefusalReason.AuthenticationFailed),
        ("api access", RefusalKind.Temporary, RefusalReason.AuthenticationFailed),
        ("account is inactive", RefusalKind.Temporary, RefusalReason.AuthenticationFailed),
        ("account is not active", RefusalKind.Temporary, RefusalReason.AuthenticationFailed),
        ("account cannot place orders", RefusalKind.Temporary, RefusalReason.AuthenticationFailed),
        ("not allowed to use this key", RefusalKind.Temporary, RefusalReason.AuthenticationFailed),
        ("not accepting orders", RefusalKind.Temporary, RefusalReason.AuthenticationFailed),
        ("active order with this link", RefusalKind.Temporary, RefusalReason.DuplicateLink),
        ("active order for this link", RefusalKind.Temporary, RefusalReason.DuplicateLink),
        ("active order", RefusalKind.Temporary, RefusalReason.DuplicateLink),
        ("same link", RefusalKind.Temporary, RefusalReason.DuplicateLink),
        ("not enough funds", RefusalKind.Temporary, RefusalReason.InsufficientFunds),
        ("not enough balance", RefusalKind.Temporary, RefusalReason.InsufficientFunds),
        ("insufficient", RefusalKind.Temporary, RefusalReason.InsufficientFunds),
        ("low balance", RefusalKind.Temporary, RefusalReason.InsufficientFunds),
        ("too many requests", RefusalKind.Temporary, RefusalReason.RateLimited),
        ("rate limit", RefusalKind.Temporary, RefusalReason.RateLimited),
        ("api key", RefusalKind.Temporary, RefusalReason.AuthenticationFailed),
        ("action is invalid", RefusalKind.Temporary, RefusalReason.Misconfigured),
        ("invalid action", RefusalKind.Temporary, RefusalReason.Misconfigured),
        ("incorrect request", RefusalKind.Temporary, RefusalReason.Misconfigured),
        ("incorrect service", RefusalKind.Permanent, RefusalReason.UnknownService),
        ("invalid service", RefusalKind.Permanent, RefusalReason.UnknownService),
        ("service id", RefusalKind.Permanent, RefusalReason.UnknownService),
        ("service not found", RefusalKind.Permanent, RefusalReason.UnknownService),
        ("quantity", RefusalKind.Permanent, RefusalReason.QuantityOutOfRange),
        ("minimum number", RefusalKind.Permanent, RefusalReason.QuantityOutOfRange),
        ("maximum number", RefusalKind.Permanent, RefusalReason.QuantityOutOfRange),
        ("link", RefusalKind.Permanent, RefusalReason.BadLink),
        ("url", RefusalKind.Permanent, RefusalReason.BadLink),
    ];

    /// <summary>Words by which a provider says it has no order (or refill) by the id asked about.</summary>
    private static readonly string[] UnknownOrderWords =
        ["incorrect order", "order not found", "invalid order", "unknown order", "order does not exist", "order doesn't exist"];

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
        Classify(error).Reason is RefusalReason.Misconfigured or RefusalReason.AuthenticationFailed or RefusalReason.RateLimited
            or RefusalReason.InsufficientFunds;

    /// <summary>The key or the account is refused: every call to this provider fails until someone fixes it.</summary>
    public static bool IsAuthenticationFailure(string? error) => Classify(error).Reason == RefusalReason.AuthenticationFailed;

    /// <summary>The provider says it does not know the order asked about ("Incorrect order ID", "Order not found.").</summary>
    public static bool IsUnknownOrder(string? error) =>
        !string.IsNullOrWhiteSpace(error) && UnknownOrderWords.Any(w => error.Contains(w, StringComparison.OrdinalIgnoreCase));
}
