using Fulfillment.Providers.Smm.Answers;
using Fulfillment.Providers.Transport;
using Microsoft.Extensions.Logging;

namespace Fulfillment.Providers.Smm;

/// <inheritdoc cref="ISmmClient"/>
public sealed class SmmClient(ProviderTransport transport, ProviderClock clock, ILogger<SmmClient> logger) : ISmmClient
{
    private readonly MultiStatusSupport _multiStatus = new(clock);

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
        string? wholeCall;
        if (!_multiStatus.Lacks(provider))
        {
            using var document = await SafeAsync(provider, SmmActions.Status, [new("orders", ids)], cancellationToken);
            wholeCall = StatusAnswer.UnknownOrderForTheWholeCall(document.RootElement);
            if (wholeCall is null)
            {
                return StatusAnswer.ReadMany(document.RootElement, providerOrderIds, provider);
            }
        }
        else
        {
            wholeCall = null;
        }

        return await OneByOneAsync(provider, providerOrderIds, wholeCall, cancellationToken);
    }

    /// <summary>
    /// Each id in a status call of its own, one call at a time (at most <see cref="SmmActions.MaxIdsPerCall"/>, as the multi-status call
    /// would have carried); a call that fails fails them all, as the multi-status call would have. When one of them knew an order the
    /// multi-status call said it did not (<paramref name="wholeCall"/>), the provider has no multi-status: remembered.
    /// </summary>
    private async Task<IReadOnlyDictionary<string, StatusResult>> OneByOneAsync(
        ProviderEndpoint provider, IReadOnlyCollection<string> providerOrderIds, string? wholeCall, CancellationToken cancellationToken)
    {
        var answers = new Dictionary<string, StatusResult>(StringComparer.Ordinal);
        foreach (var id in providerOrderIds.Distinct(StringComparer.Ordinal))
        {
            answers[id] = await GetStatusAsync(provider, id.Trim(), cancellationToken);
        }

        if (wholeCall is not null && answers.Values.Any(a => !a.OrderUnknown))
        {
            _multiStatus.RememberLacking(provider);
            logger.LogInformation(
                "Provider {Provider} answered multi-status with one error for the whole call ({Error}) while it knows the orders: it has no " +
                "multi-status, so its orders are asked one status call each", provider.Name, wholeCall);
        }

        return answers;
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
