namespace Fulfillment.Providers.Smm;

/// <summary>
/// SMM panel API v2, for any provider. One instance serves all providers; each provider gets its own
/// resilience pipeline (timeout, limiter, circuit breaker) and shares the pooled connections.
/// </summary>
/// <remarks>
/// Non-idempotent calls (add, refill, cancel) run once and never throw for a provider's failure: they return
/// an outcome in which "unknown" (the request may have arrived) is kept apart from "refused".
/// Safe calls (services, status, balance, refill status) are retried on transient failures and throw
/// <see cref="ProviderCallException"/> when they get no usable answer.
/// Multi calls take at most <see cref="SmmActions.MaxIdsPerCall"/> ids and throw <see cref="ArgumentException"/> otherwise.
/// </remarks>
public interface ISmmClient
{
    Task<AddOutcome> AddAsync(ProviderEndpoint provider, AddOrderRequest request, CancellationToken cancellationToken);

    Task<StatusResult> GetStatusAsync(ProviderEndpoint provider, string providerOrderId, CancellationToken cancellationToken);

    /// <summary>
    /// Every requested id gets an entry; per-order errors ("Incorrect order ID") are inside it. A provider whose multi-status
    /// call answers one "no such order" for the whole call (the PHP panel script has none) is asked one id a call instead, one
    /// call at a time, and, once known for it, without trying multi-status first.
    /// </summary>
    Task<IReadOnlyDictionary<string, StatusResult>> GetStatusesAsync(ProviderEndpoint provider, IReadOnlyCollection<string> providerOrderIds, CancellationToken cancellationToken);

    Task<IReadOnlyList<ProviderServiceInfo>> GetServicesAsync(ProviderEndpoint provider, CancellationToken cancellationToken);

    Task<BalanceResult> GetBalanceAsync(ProviderEndpoint provider, CancellationToken cancellationToken);

    Task<RefillOutcome> RefillAsync(ProviderEndpoint provider, string providerOrderId, CancellationToken cancellationToken);

    Task<IReadOnlyDictionary<string, RefillOutcome>> RefillManyAsync(ProviderEndpoint provider, IReadOnlyCollection<string> providerOrderIds, CancellationToken cancellationToken);

    Task<RefillStatusResult> GetRefillStatusAsync(ProviderEndpoint provider, string refillId, CancellationToken cancellationToken);

    Task<IReadOnlyDictionary<string, RefillStatusResult>> GetRefillStatusesAsync(ProviderEndpoint provider, IReadOnlyCollection<string> refillIds, CancellationToken cancellationToken);

    Task<IReadOnlyDictionary<string, CancelOutcome>> CancelAsync(ProviderEndpoint provider, IReadOnlyCollection<string> providerOrderIds, CancellationToken cancellationToken);
}
