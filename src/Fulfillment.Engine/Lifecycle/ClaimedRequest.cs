
namespace Fulfillment.Engine.Lifecycle;

/// <summary>A cancel or refill request with what deciding on it needs.</summary>
/// <param name="Attempts">The claim's number: only this claim's outcome is recorded.</param>
/// <param name="MaybeSent">A pending request marked as sending and never recorded: it may have reached the provider.</param>
/// <param name="Subscription">The order is a subscription (orders.charged_posts set): it may end partial when canceled.</param>
/// <param name="AccountClosing">The order's account is blocked or going away (deleted, anonymised, an erasure requested): a subscription of it is
/// canceled whatever the service's cancel flag says.</param>
public sealed record ClaimedRequest(
    long Id, string Kind, string Status, string? ProviderRef, int Attempts, long OrderId, string OrderStatus, string? ProviderOrderId,
    bool ServiceCancel, bool ServiceRefill, ProviderRow? Provider, bool MaybeSent = false, bool Subscription = false, bool AccountClosing = false);

/// <summary>How a request ended up, or moved on. A request back to <c>pending</c> was not sent (or was refused outright) and may be sent later.</summary>
public sealed record RequestUpdate(long Id, string Status, string? ProviderRef, string? Message, DateTimeOffset? NextAttemptAt, int Attempts = 0);
