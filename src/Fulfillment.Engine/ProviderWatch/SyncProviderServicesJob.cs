using Fulfillment.Data.Entities;
using Fulfillment.Engine.Database;
using Fulfillment.Engine.Jobs;
using Fulfillment.Providers;
using Fulfillment.Providers.Smm;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Fulfillment.Engine.ProviderWatch;

/// <summary>
/// SyncProviderServices: stores each provider's service list; a panel service whose upstream
/// service disappeared is disabled with the reason, and one whose upstream rate now exceeds its
/// sale rate is flagged.
/// </summary>
public sealed class SyncProviderServicesJob(
    ProviderStore store,
    ISmmClient client,
    IOptions<ProviderSyncOptions> options,
    TimeProvider clock,
    ILogger<SyncProviderServicesJob> logger) : IEngineJob
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        foreach (var provider in await store.EnabledAsync(ProviderKind.SmmV2, cancellationToken))
        {
            if (provider.Endpoint is not { } endpoint)
            {
                continue;
            }

            IReadOnlyList<ProviderServiceInfo> services;
            try
            {
                services = await client.GetServicesAsync(endpoint, cancellationToken);
            }
            catch (Exception ex) when (ex is ProviderCallException or HttpRequestException)
            {
                logger.LogWarning("Provider {Provider}: service list fetch failed: {Error}", provider.Name, ex.Message);
                await store.RecordUnreachableAsync(provider.Id, "Service list fetch failed: " + ex.Message, clock.GetUtcNow(), cancellationToken,
                    ProviderFailures.Of(ex));
                continue;
            }

            await store.RecordReachableAsync(provider.Id, cancellationToken);

            if (services.Count == 0)
            {
                // An empty list is far likelier a provider glitch than every service withdrawn: change nothing.
                logger.LogWarning("Provider {Provider} returned an empty service list; nothing was changed", provider.Name);
                continue;
            }

            // One provider's list the database refuses never stops the next provider's: its last_error says why.
            try
            {
                var (disabled, flagged) = await store.RecordServicesAsync(provider.Id, provider.Name, services,
                    options.Value.DisableVanishedServices, clock.GetUtcNow(), cancellationToken);
                logger.LogInformation("Provider {Provider}: {Count} upstream service(s); {Disabled} panel service(s) disabled, {Flagged} flagged",
                    provider.Name, services.Count, disabled, flagged);
            }
            catch (Exception ex) when (RowByRow.IsBadRow(ex))
            {
                logger.LogError("Provider {Provider}: its service list could not be stored: {Error}", provider.Name, RowByRow.Reason(ex));
                await store.TryRecordErrorAsync(provider.Id, "Service list could not be stored: " + RowByRow.Reason(ex), logger, cancellationToken);
            }
        }
    }
}
