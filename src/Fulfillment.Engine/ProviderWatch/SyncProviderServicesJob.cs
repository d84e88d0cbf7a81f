using Fulfillment.Data.Entities;
using Fulfillment.Engine.Alerts;
using Fulfillment.Engine.Configuration;
using Fulfillment.Engine.Database;
using Fulfillment.Engine.Jobs;
using Fulfillment.Engine.Lifecycle;
using Fulfillment.Engine.Pricing;
using Fulfillment.Providers;
using Fulfillment.Providers.Smm;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Fulfillment.Engine.ProviderWatch;

/// <summary>
/// SyncProviderServices: stores each provider's service list; a panel service whose upstream service disappeared is disabled with the
/// reason, one whose upstream rate now exceeds its sale rate is flagged, and the services with a markup are priced again (a large move
/// held for a person: price_change_held). A list that is empty or lost more than half of the services stored is not applied at all: it
/// raises service_list_suspect, cleared by the next normal list.
/// </summary>
public sealed class SyncProviderServicesJob(
    ProviderStore store,
    ServiceListStore lists,
    ISmmClient client,
    AlertBook alerts,
    NpgsqlDataSource db,
    IOptions<ProviderSyncOptions> options,
    IOptions<PanelOptions> panel,
    IOptions<PricingOptions> pricing,
    TimeProvider clock,
    ILogger<SyncProviderServicesJob> logger) : IEngineJob
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var suspect = new List<AlertCondition>();
        var lookedAt = new List<string>();
        foreach (var provider in await store.EnabledAsync(ProviderKind.SmmV2, cancellationToken))
        {
            if (provider.Endpoint is not { } endpoint || await FetchAsync(provider, endpoint, cancellationToken) is not { } services)
            {
                continue;
            }

            var id = provider.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
            lookedAt.Add(id);
            if (await SuspectAsync(provider, services, cancellationToken) is { } why)
            {
                suspect.Add(new AlertCondition(id, why, new { listed = services.Count }));
                continue;
            }

            await StoreAsync(provider, services, cancellationToken);
        }

        await alerts.StateAsync(AlertKind.ServiceListSuspect, AlertSubject.Provider, suspect, lookedAt, cancellationToken);
        await alerts.StateAsync(AlertKind.PriceChangeHeld, AlertSubject.Service, await HeldChangesAsync(cancellationToken), null, cancellationToken);
    }

    private async Task<IReadOnlyList<ProviderServiceInfo>?> FetchAsync(ProviderRow provider, ProviderEndpoint endpoint, CancellationToken ct)
    {
        try
        {
            var services = await client.GetServicesAsync(endpoint, ct);
            await store.RecordReachableAsync(provider.Id, ct);
            return services;
        }
        catch (Exception ex) when (ex is ProviderCallException or HttpRequestException)
        {
            logger.LogDebug("Provider {Provider}: service list fetch failed: {Error}", provider.Name, ex.Message);
            await store.RecordUnreachableAsync(provider.Id, "Service list fetch failed: " + ex.Message, clock.GetUtcNow(), ct, ProviderFailures.Of(ex));
            return null;
        }
    }

    /// <summary>Why a list is not applied: an empty list, or one that lost more than half of the stored list, is likelier a glitch than real.</summary>
    private async Task<string?> SuspectAsync(ProviderRow provider, IReadOnlyList<ProviderServiceInfo> services, CancellationToken ct)
    {
        if (services.Count == 0)
        {
            return $"Provider {provider.Name} returned an empty service list. Nothing was applied or disabled; the next normal list is applied.";
        }

        var (had, kept) = await lists.CompareListAsync(provider.Id, services, ct);
        return had - kept > had / 2.0
            ? $"Provider {provider.Name} listed {services.Count} service(s) and only {kept} of the {had} it listed before. Nothing was applied, " +
              "withdrawn or disabled; the next normal list is applied."
            : null;
    }

    /// <summary>One provider's list the database refuses never stops the next provider's: its last_error says why.</summary>
    private async Task StoreAsync(ProviderRow provider, IReadOnlyList<ProviderServiceInfo> services, CancellationToken ct)
    {
        var rules = new ServiceListRules(options.Value.DisableVanishedServices, panel.Value.PanelCurrency, pricing.Value.RateStep,
            pricing.Value.HoldAbovePercent);
        try
        {
            var stored = await lists.RecordServicesAsync(provider.Id, provider.Name, services, rules, clock.GetUtcNow(), ct);
            logger.LogInformation(
                "Provider {Provider}: {Count} upstream service(s); {Disabled} panel service(s) disabled, {Flagged} flagged; {RateChanges} rate change(s), " +
                "{Repriced} sale rate(s) moved, {Held} held", provider.Name, services.Count, stored.Disabled, stored.Flagged, stored.RateChanges,
                stored.Repriced, stored.Held);
        }
        catch (Exception ex) when (RowByRow.IsBadRow(ex))
        {
            logger.LogError("Provider {Provider}: its service list could not be stored: {Error}", provider.Name, RowByRow.Reason(ex));
            await store.TryRecordErrorAsync(provider.Id, "Service list could not be stored: " + RowByRow.Reason(ex), logger, ct);
        }
    }

    /// <summary>The services with a held price change: one price_change_held alert each, until decide_price_change decides them.</summary>
    private async Task<IReadOnlyList<AlertCondition>> HeldChangesAsync(CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            SELECT DISTINCT ON (c.service_id) c.service_id, s.name, c.id, c.old_rate, c.new_rate
            FROM price_changes c JOIN services s ON s.id = c.service_id
            WHERE c.status = 'held'
            ORDER BY c.service_id, c.id DESC
            """);
        var held = new List<AlertCondition>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var (serviceId, name, changeId, oldRate, newRate) = (reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.GetDecimal(3),
                reader.GetDecimal(4));
            held.Add(new AlertCondition(serviceId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                $"Service {name}: its sale rate would move from {oldRate} to {newRate}, more than the price hold allows. " +
                $"Approve or reject price change {changeId} with decide_price_change.",
                new { change_id = changeId, old_rate = oldRate, new_rate = newRate }));
        }

        return held;
    }
}
