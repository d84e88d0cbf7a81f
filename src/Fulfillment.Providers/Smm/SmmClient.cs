using Fulfillment.Providers.Smm.Answers;
using Fulfillment.Providers.Transport;
using Microsoft.Extensions.Logging;

namespace Fulfillment.Providers.Smm;

/// <inheritdoc cref="ISmmClient"/>
public sealed class SmmClient(ProviderTransport transport, ILogger<SmmClient> logger) : ISmmClient
{
    public async Task<AddOutcome> AddAsync(ProviderEndpoint provider, AddOrderRequest request, CancellationToken cancellationToken)
    {
        var result = await SendAsync(provider, SmmActions.Add, request.FormFields(), repeatable: false, cancellationToken);
        var outcome = AddAnswer.Read(result);
        logger.LogDebug(
            "Provider {Provider} add for service {ServiceId}: {Outcome} in {ElapsedMs} ms",
            provider.Name, request.ServiceId, outcome, (long)result.Elapsed.TotalMilliseconds);
        return outcome;
    }

    public async Task<StatusResult> GetStatusAsync(ProviderEndpoint provider, string providerOrderId, CancellationToken cancellationToken)
    {
        using var document = await SafeAsync(provider, SmmActions.Status, [new("order", providerOrderId)], cancellationToken);
        return StatusAnswer.ReadOne(document.RootElement, provider);
    }

    public async Task<IReadOnlyDictionary<string, StatusResult>> GetStatusesAsync(
        ProviderEndpoint provider, IReadOnlyCollection<string> providerOrderIds, CancellationToken cancellationToken)
    {
        var ids = IdList(providerOrderIds, nameof(providerOrderIds));
        using var document = await SafeAsync(provider, SmmActions.Status, [new("orders", ids)], cancellationToken);
        return StatusAnswer.ReadMany(document.RootElement, providerOrderIds, provider);
    }

    public async Task<IReadOnlyList<ProviderServiceInfo>> GetServicesAsync(ProviderEndpoint provider, CancellationToken cancellationToken)
    {
        using var document = await SafeAsync(provider, SmmActions.Services, [], cancellationToken);
        return ServicesAnswer.Read(document.RootElement, provider);
    }

    public async Task<BalanceResult> GetBalanceAsync(ProviderEndpoint provider, CancellationToken cancellationToken)
    {
        using var document = await SafeAsync(provider, SmmActions.Balance, [], cancellationToken);
        return BalanceAnswer.Read(document.RootElement, provider);
    }

    public async Task<RefillOutcome> RefillAsync(ProviderEndpoint provider, string providerOrderId, CancellationToken cancellationToken)
    {
        var result = await SendAsync(provider, SmmActions.Refill, [new("order", providerOrderId)], repeatable: false, cancellationToken);
        return RefillAnswer.ReadOne(result);
    }

    public async Task<IReadOnlyDictionary<string, RefillOutcome>> RefillManyAsync(
        ProviderEndpoint provider, IReadOnlyCollection<string> providerOrderIds, CancellationToken cancellationToken)
    {
        var ids = IdList(providerOrderIds, nameof(providerOrderIds));
        var result = await SendAsync(provider, SmmActions.Refill, [new("orders", ids)], repeatable: false, cancellationToken);
        return RefillAnswer.ReadMany(result, providerOrderIds);
    }

    public async Task<RefillStatusResult> GetRefillStatusAsync(ProviderEndpoint provider, string refillId, CancellationToken cancellationToken)
    {
        using var document = await SafeAsync(provider, SmmActions.RefillStatus, [new("refill", refillId)], cancellationToken);
        return RefillStatusAnswer.ReadOne(document.RootElement, provider);
    }

    public async Task<IReadOnlyDictionary<string, RefillStatusResult>> GetRefillStatusesAsync(
        ProviderEndpoint provider, IReadOnlyCollection<string> refillIds, CancellationToken cancellationToken)
    {
        var ids = IdList(refillIds, nameof(refillIds));
        using var document = await SafeAsync(provider, SmmActions.RefillStatus, [new("refills", ids)], cancellationToken);
        return RefillStatusAnswer.ReadMany(document.RootElement, refillIds, provider);
    }

    public async Task<IReadOnlyDictionary<string, CancelOutcome>> CancelAsync(
        ProviderEndpoint provider, IReadOnlyCollection<string> providerOrderIds, CancellationToken cancellationToken)
    {
        var ids = IdList(providerOrderIds, nameof(providerOrderIds));
        var result = await SendAsync(provider, SmmActions.Cancel, [new("orders", ids)], repeatable: false, cancellationToken);
        return CancelAnswer.Read(result, providerOrderIds);
    }

    private async Task<System.Text.Json.JsonDocument> SafeAsync(
        ProviderEndpoint provider, string action, IEnumerable<KeyValuePair<string, string>> fields, CancellationToken cancellationToken)
    {
        var result = await SendAsync(provider, action, fields, repeatable: true, cancellationToken);
        return SafeAnswer.Parse(result, provider, action);
    }

    /// <summary>The form is the key, the action and the call's own fields: nothing else can be added here.</summary>
    private Task<ExchangeResult> SendAsync(
        ProviderEndpoint provider, string action, IEnumerable<KeyValuePair<string, string>> fields, bool repeatable, CancellationToken cancellationToken)
    {
        List<KeyValuePair<string, string>> form = [new("key", provider.ApiKey), new("action", action), .. fields];
        return transport.PostFormAsync(provider, action, form, repeatable, cancellationToken);
    }

    private static string IdList(IReadOnlyCollection<string> ids, string parameterName)
    {
        if (ids.Count is 0 or > SmmActions.MaxIdsPerCall)
            throw new ArgumentException($"Between 1 and {SmmActions.MaxIdsPerCall} ids per call; got {ids.Count}.", parameterName);
        if (ids.Any(id => string.IsNullOrWhiteSpace(id) || id.Contains(',', StringComparison.Ordinal)))
            throw new ArgumentException("Ids must be non-empty and contain no comma.", parameterName);
        return string.Join(',', ids.Select(id => id.Trim()).Distinct());
    }
}
