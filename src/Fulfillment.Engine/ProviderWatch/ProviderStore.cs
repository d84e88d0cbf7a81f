using Fulfillment.Engine.Database;
using Fulfillment.Engine.Lifecycle;
using Fulfillment.Providers.Smm;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Fulfillment.Engine.ProviderWatch;

/// <summary>The SQL of provider health: balances, pauses and service lists.</summary>
public sealed class ProviderStore(NpgsqlDataSource db)
{
    public async Task<IReadOnlyList<ProviderRow>> EnabledAsync(string kind, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            $"SELECT {ProviderColumns.Select("p", "")} FROM providers p WHERE p.enabled AND p.kind = $1 ORDER BY p.id");
        command.Parameters.Add(new() { Value = kind });
        var rows = new List<ProviderRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(ProviderColumns.Read(reader, "")!);
        }

        return rows;
    }

    /// <summary>Stores a balance and pauses (or resumes) dispatch against min_balance, in one statement.</summary>
    public async Task<string?> RecordBalanceAsync(long providerId, decimal balance, string? currency, DateTimeOffset now, CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            UPDATE providers SET balance = $2, currency = coalesce($3, currency), balance_checked_at = $4, last_error = NULL, unreachable_since = NULL,
                auth_failed_at = NULL, redirected_at = NULL,
                paused_reason = CASE WHEN $2 < min_balance
                    THEN 'Dispatch paused: balance ' || $2 || ' is below min_balance ' || min_balance || '.' END
            WHERE id = $1
            RETURNING paused_reason
            """);
        command.Parameters.Add(new() { Value = providerId });
        command.Parameters.Add(new() { Value = balance });
        command.Parameters.Add(new() { Value = (object?)currency ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = now });
        return await command.ExecuteScalarAsync(ct) as string;
    }

    /// <summary>Best effort: a provider row the database refuses to update is logged, and the job goes on with the next provider.</summary>
    public async Task TryRecordErrorAsync(long providerId, string error, ILogger logger, CancellationToken ct)
    {
        try
        {
            await RecordErrorAsync(providerId, error, ct);
        }
        catch (Exception ex) when (RowByRow.IsBadRow(ex))
        {
            logger.LogError("Provider {ProviderId}: its last_error could not be stored either ({Error})", providerId, RowByRow.Reason(ex));
        }
    }

    public async Task RecordErrorAsync(long providerId, string error, CancellationToken ct)
    {
        await using var command = db.CreateCommand("UPDATE providers SET last_error = $2 WHERE id = $1");
        command.Parameters.Add(new() { Value = providerId });
        command.Parameters.Add(new() { Value = error });
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// A call that got no usable answer (refused connection, timeout, redirect, HTTP error, unreadable body, an
    /// error for the whole call): <paramref name="error"/> goes to last_error, and unreachable_since is set unless
    /// it already is. A refused key or account sets auth_failed_at as well, a redirect redirected_at (which pauses sending),
    /// each kept from the first such call until a call succeeds (<see cref="RecordReachableAsync"/>). Returns
    /// unreachable_since: how long the provider has been failing.
    /// </summary>
    public async Task<DateTimeOffset?> RecordUnreachableAsync(long providerId, string error, DateTimeOffset now, CancellationToken ct,
        ProviderFailure failure = ProviderFailure.Unreachable)
    {
        await using var command = db.CreateCommand("""
            UPDATE providers SET last_error = $2, unreachable_since = coalesce(unreachable_since, $3),
                auth_failed_at = CASE WHEN $4 THEN coalesce(auth_failed_at, $3) ELSE auth_failed_at END,
                redirected_at = CASE WHEN $5 THEN coalesce(redirected_at, $3) ELSE redirected_at END
            WHERE id = $1
            RETURNING unreachable_since
            """);
        command.Parameters.Add(new() { Value = providerId });
        command.Parameters.Add(new() { Value = error });
        command.Parameters.Add(new() { Value = now });
        command.Parameters.Add(new() { Value = failure == ProviderFailure.AuthenticationFailed });
        command.Parameters.Add(new() { Value = failure == ProviderFailure.Redirected });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) && !reader.IsDBNull(0) ? reader.GetFieldValue<DateTimeOffset>(0) : null;
    }

    /// <summary>
    /// A call that succeeded (a balance, a service list, a status answer, an accepted add): the provider works again. The
    /// outage, a refused key and a redirect go, with their last_error; an error recorded while none of them was set stays.
    /// Writes nothing when none was.
    /// </summary>
    public async Task RecordReachableAsync(long providerId, CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            UPDATE providers SET unreachable_since = NULL, last_error = NULL, auth_failed_at = NULL, redirected_at = NULL
            WHERE id = $1 AND (unreachable_since IS NOT NULL OR auth_failed_at IS NOT NULL OR redirected_at IS NOT NULL)
            """);
        command.Parameters.Add(new() { Value = providerId });
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// An add answered with a refusal of its own (a link, a service, funds): the provider is reachable, so a plain outage goes.
    /// It says nothing about the key, nor about where the URL leads: a refused key or a redirect stays until a call succeeds.
    /// </summary>
    public async Task RecordAnsweredAsync(long providerId, CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            UPDATE providers SET unreachable_since = NULL, last_error = NULL
            WHERE id = $1 AND unreachable_since IS NOT NULL AND auth_failed_at IS NULL AND redirected_at IS NULL
            """);
        command.Parameters.Add(new() { Value = providerId });
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Replaces the provider's stored service list, then disables the panel services whose upstream
    /// service vanished and flags those whose upstream rate now exceeds the sale rate.
    /// Returns (disabled, flagged).
    /// </summary>
    public async Task<(int Disabled, int Flagged)> RecordServicesAsync(
        long providerId, string providerName, IReadOnlyList<ProviderServiceInfo> services, bool disableVanished, DateTimeOffset now, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(Upsert(providerId, Sane(services), now));
        OrderWriter.Add(batch, "DELETE FROM provider_services WHERE provider_id = $1 AND seen_at < $2", providerId, now);
        OrderWriter.Add(batch, DisableVanishedSql, providerId, providerName, now.ToString("u", System.Globalization.CultureInfo.InvariantCulture), disableVanished);
        OrderWriter.Add(batch, FlagSql, providerId);
        await using var reader = await batch.ExecuteReaderAsync(ct);
        var flagged = 0;
        while (await reader.ReadAsync(ct))
        {
            if (reader.GetBoolean(0))
            {
                flagged++;
            }
        }

        await reader.CloseAsync();
        var disabled = batch.BatchCommands[2].RecordsAffected;
        await transaction.CommitAsync(ct);
        return (disabled, flagged);
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
