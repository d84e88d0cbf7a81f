using Fulfillment.Data.Entities;
using Fulfillment.Engine.Database;
using Fulfillment.Engine.Jobs;
using Fulfillment.Providers;
using Fulfillment.Providers.Smm;
using Fulfillment.Providers.SmsActivate;
using Microsoft.Extensions.Logging;

namespace Fulfillment.Engine.ProviderWatch;

/// <summary>
/// CheckProviderBalances: stores each provider's balance; dispatch to a provider below its
/// min_balance pauses (its orders wait, they do not fail) and resumes when the balance is back. A pause, its end and an
/// outage are logged once each, by <see cref="ProviderStore"/>; a failed call only at Debug.
/// </summary>
public sealed class CheckProviderBalancesJob(
    ProviderStore store, ISmmClient client, ISmsActivateClient sms, TimeProvider clock, ILogger<CheckProviderBalancesJob> logger) : IEngineJob
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var providers = (await store.EnabledAsync(ProviderKind.SmmV2, cancellationToken))
            .Concat(await store.EnabledAsync(ProviderKind.SmsActivate, cancellationToken));
        foreach (var provider in providers)
        {
            if (provider.Endpoint is not { } endpoint)
            {
                await store.RecordErrorAsync(provider.Id, "api_url is not an absolute http(s) URL.", cancellationToken);
                continue;
            }

            try
            {
                var balance = provider.Kind == ProviderKind.SmsActivate
                    ? await sms.GetBalanceAsync(endpoint, cancellationToken)
                    : await client.GetBalanceAsync(endpoint, cancellationToken);
                await store.RecordBalanceAsync(provider.Id, balance.Balance, balance.Currency, clock.GetUtcNow(), cancellationToken);
            }
            catch (Exception ex) when (ex is ProviderCallException or HttpRequestException)
            {
                logger.LogDebug("Provider {Provider}: balance check failed: {Error}", provider.Name, ex.Message);
                await store.RecordUnreachableAsync(provider.Id, "Balance check failed: " + ex.Message, clock.GetUtcNow(), cancellationToken,
                    ProviderFailures.Of(ex));
            }
            catch (Exception ex) when (RowByRow.IsBadRow(ex))
            {
                // An absurd balance the database refuses stops only this provider's check.
                logger.LogError("Provider {Provider}: its balance could not be stored: {Error}", provider.Name, RowByRow.Reason(ex));
                await store.TryRecordErrorAsync(provider.Id, "Balance could not be stored: " + RowByRow.Reason(ex), logger, cancellationToken);
            }
        }
    }
}
