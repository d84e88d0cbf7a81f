using Fulfillment.Data.Entities;
using Fulfillment.Engine.Lifecycle;
using Fulfillment.Providers.Smm;
using Npgsql;

namespace Fulfillment.Engine.ProviderWatch;

/// <summary>What a service-list sync applies besides the list: whether vanished services are disabled, and how markups price.</summary>
public sealed record ServiceListRules(bool DisableVanished, string PanelCurrency, decimal RateStep, decimal HoldAbovePercent);

/// <summary>What storing a list did: services disabled and flagged, upstream rate changes logged, sale rates moved and held.</summary>
public sealed record ServiceListStored(int Disabled, int Flagged, int RateChanges, int Repriced, int Held);

/// <summary>The SQL of a provider's service list: the stored list, and what it changes in the panel's services.</summary>
public sealed class ServiceListStore(NpgsqlDataSource db)
{
    /// <summary>
    /// Replaces the provider's stored service list in one transaction: the rate changes of routed services are logged first
    /// (price_changes), then the list is stored, the panel services whose upstream service vanished are disabled, the services
    /// with a markup are priced again, and those whose upstream rate now exceeds the sale rate are flagged.
    /// </summary>
    public async Task<ServiceListStored> RecordServicesAsync(
        long providerId, string providerName, IReadOnlyList<ProviderServiceInfo> services, ServiceListRules rules, DateTimeOffset now, CancellationToken ct)
    {
        var sane = Sane(services);
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using var batch = new NpgsqlBatch(connection, transaction);
        OrderWriter.Add(batch, "SELECT fulfillment_record_rate_changes($1, $2, $3, $4)", providerId, sane.Select(s => s.ServiceId).ToArray(),
            sane.Select(s => s.Rate).ToArray(), now);
        batch.BatchCommands.Add(Upsert(providerId, sane, now));
        OrderWriter.Add(batch, "DELETE FROM provider_services WHERE provider_id = $1 AND seen_at < $2", providerId, now);
        OrderWriter.Add(batch, DisableVanishedSql, providerId, providerName, now.ToString("u", System.Globalization.CultureInfo.InvariantCulture),
            rules.DisableVanished);
        OrderWriter.Add(batch, "SELECT status FROM fulfillment_reprice($1, $2, $3, $4, $5)", providerId, rules.PanelCurrency, rules.RateStep,
            rules.HoldAbovePercent, now);
        OrderWriter.Add(batch, FlagSql, providerId);
        await using var reader = await batch.ExecuteReaderAsync(ct);
        var changes = await reader.ReadAsync(ct) ? reader.GetInt32(0) : 0;
        await reader.NextResultAsync(ct);
        var (applied, held) = (0, 0);
        while (await reader.ReadAsync(ct))
        {
            _ = reader.GetString(0) == PriceChangeStatus.Held ? held++ : applied++;
        }

        await reader.NextResultAsync(ct);
        var flagged = 0;
        while (await reader.ReadAsync(ct))
        {
            flagged += reader.GetBoolean(0) ? 1 : 0;
        }

        await reader.CloseAsync();
        var disabled = batch.BatchCommands[3].RecordsAffected;
        await transaction.CommitAsync(ct);
        return new ServiceListStored(disabled, flagged, changes, applied, held);
    }

    /// <summary>
    /// How many services the provider's stored list holds, and how many of them <paramref name="services"/> lists again: a list that
    /// lost more than half of them is suspect.
    /// </summary>
    public async Task<(int Had, int Kept)> CompareListAsync(long providerId, IReadOnlyList<ProviderServiceInfo> services, CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            SELECT count(*)::int, count(*) FILTER (WHERE ps.service = ANY($2))::int FROM provider_services ps WHERE ps.provider_id = $1
            """);
        command.Parameters.Add(new() { Value = providerId });
        command.Parameters.Add(new() { Value = services.Select(s => s.ServiceId).ToArray() });
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return (reader.GetInt32(0), reader.GetInt32(1));
    }

    /// <summary>The list stored as it was read: a flag the list did not give is NULL, unknown (docs/providers.md).</summary>
    private static NpgsqlBatchCommand Upsert(long providerId, List<ProviderServiceInfo> services, DateTimeOffset now)
    {
        var upsert = new NpgsqlBatchCommand("""
            INSERT INTO provider_services (provider_id, service, name, type, category, rate, min, max, refill, cancel, dripfeed, seen_at)
            SELECT $1, s.service, s.name, s.type, s.category, s.rate, s.min, s.max, s.refill, s.cancel, s.dripfeed, $12
            FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::numeric[], $7::int[], $8::int[], $9::bool[], $10::bool[], $11::bool[])
                AS s(service, name, type, category, rate, min, max, refill, cancel, dripfeed)
            ON CONFLICT (provider_id, service) DO UPDATE SET name = excluded.name, type = excluded.type, category = excluded.category,
                rate = excluded.rate, min = excluded.min, max = excluded.max, refill = excluded.refill, cancel = excluded.cancel,
                dripfeed = excluded.dripfeed, seen_at = excluded.seen_at
            """);
        object?[] values =
        [
            providerId, services.Select(s => s.ServiceId).ToArray(), services.Select(s => s.Name).ToArray(), services.Select(s => s.Type).ToArray(),
            services.Select(s => s.Category).ToArray(), services.Select(s => s.Rate).ToArray(), services.Select(s => ClampToInt(s.Min)).ToArray(),
            services.Select(s => ClampToInt(s.Max)).ToArray(), services.Select(s => s.Refill).ToArray(),
            services.Select(s => s.Cancel).ToArray(), services.Select(s => s.Dripfeed).ToArray(), now,
        ];
        foreach (var value in values)
        {
            upsert.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }

        return upsert;
    }

    /// <summary>
    /// A service whose own upstream vanished is disabled only when no further route can deliver it either: an enabled route at an
    /// enabled provider whose stored list holds its service (or that has no stored list to say otherwise). $1 the provider, $2 its
    /// name, $3 when, $4 whether to disable at all.
    /// </summary>
    private const string DisableVanishedSql = """
        UPDATE services s SET enabled = false,
            disabled_reason = 'Disabled by the engine: provider ' || $2 || ' no longer lists service ' || s.provider_service_id || ' (checked ' || $3 || ').'
        WHERE s.provider_id = $1 AND s.enabled AND $4
          AND NOT EXISTS (SELECT 1 FROM provider_services ps WHERE ps.provider_id = $1 AND ps.service = s.provider_service_id)
          AND NOT EXISTS (
              SELECT 1 FROM service_routes r JOIN providers p ON p.id = r.provider_id
              WHERE r.service_id = s.id AND r.enabled AND p.enabled
                AND (EXISTS (SELECT 1 FROM provider_services ps WHERE ps.provider_id = r.provider_id AND ps.service = r.provider_service_id)
                     OR NOT EXISTS (SELECT 1 FROM provider_services ps WHERE ps.provider_id = r.provider_id)))
        """;

    /// <summary>
    /// The flag for selling below the upstream rate, over every route of every service that has one at provider $1:
    /// each enabled route whose listed rate (in the panel's currency, currency_rates) is above the sale rate is named
    /// in the flag; none clears it. upstream_rate stays the service's own route's listed rate.
    /// </summary>
    public const string FlagSql = """
        WITH routes AS (
            SELECT s.id AS service_id, 0 AS position, s.provider_id, s.provider_service_id FROM services s
            WHERE s.provider_id = $1 OR EXISTS (SELECT 1 FROM service_routes t WHERE t.service_id = s.id AND t.provider_id = $1)
            UNION ALL
            SELECT r.service_id, r.position, r.provider_id, r.provider_service_id FROM service_routes r
            WHERE r.enabled AND EXISTS (SELECT 1 FROM services s WHERE s.id = r.service_id
                AND (s.provider_id = $1 OR EXISTS (SELECT 1 FROM service_routes t WHERE t.service_id = s.id AND t.provider_id = $1)))),
        judged AS (
            SELECT rt.service_id,
                   bool_or(rt.position = 0 AND ps.service IS NOT NULL) AS own_listed,
                   max(ps.rate) FILTER (WHERE rt.position = 0) AS own_rate,
                   string_agg(CASE WHEN ps.rate * coalesce(cr.rate, 1) > s.rate
                       THEN CASE WHEN rt.position = 0 THEN '' ELSE 'route ' || rt.position || ' (provider ' || p.name || ', service ' || rt.provider_service_id || '): ' END
                            || 'Upstream rate ' || ps.rate || coalesce(' ' || p.currency, '') || ' exceeds the sale rate ' || s.rate || '.' END,
                       ' ' ORDER BY rt.position) AS losses
            FROM routes rt
            JOIN services s ON s.id = rt.service_id
            LEFT JOIN providers p ON p.id = rt.provider_id
            LEFT JOIN provider_services ps ON ps.provider_id = rt.provider_id AND ps.service = rt.provider_service_id
            LEFT JOIN currency_rates cr ON upper(cr.currency) = upper(p.currency)
            GROUP BY rt.service_id)
        UPDATE services s SET upstream_rate = CASE WHEN j.own_listed THEN j.own_rate ELSE s.upstream_rate END, flag = j.losses
        FROM judged j
        WHERE s.id = j.service_id
        RETURNING s.flag IS NOT NULL
        """;

    /// <summary>
    /// A list as a provider may send it, made storable: an id listed twice counts once (its first entry), and
    /// a rate no price can be (negative, or beyond what numeric(20,6) holds) is unknown rather than a failure.
    /// </summary>
    private static List<ProviderServiceInfo> Sane(IReadOnlyList<ProviderServiceInfo> services) =>
        services.DistinctBy(s => s.ServiceId, StringComparer.Ordinal)
            .Select(s => s.Rate is { } rate && (rate < 0 || rate >= 10_000_000_000_000m) ? s with { Rate = null } : s)
            .ToList();

    private static int? ClampToInt(long? value) => value is null ? null : (int)Math.Clamp(value.Value, int.MinValue, int.MaxValue);
}
