using Fulfillment.Data.Entities;
using Fulfillment.Engine.Database;
using Fulfillment.Engine.Lifecycle;
using Fulfillment.Providers.Smm;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Fulfillment.Engine.ProviderWatch;

/// <summary>The SQL of provider health: balances, pauses and outages.</summary>
public sealed class ProviderStore(NpgsqlDataSource db, TimeProvider clock, ILogger<ProviderStore> logger)
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

    /// <summary>
    /// Stores a balance and pauses (or resumes) dispatch against min_balance, in one statement; the answer also ends an outage. A pause
    /// and its end are logged once each, as is the outage's end. Returns the pause's reason, or null.
    /// </summary>
    public async Task<string?> RecordBalanceAsync(long providerId, decimal balance, string? currency, DateTimeOffset now, CancellationToken ct)
    {
        await using var command = db.CreateCommand($"""
            WITH was AS (SELECT id, paused_reason, unreachable_since FROM providers WHERE id = $1 FOR UPDATE)
            UPDATE providers p SET balance = $2, currency = coalesce($3, p.currency), balance_checked_at = $4, last_error = NULL, unreachable_since = NULL,
                auth_failed_at = NULL, redirected_at = NULL,
                paused_reason = CASE WHEN $2 < p.min_balance
                    THEN 'Dispatch paused: balance ' || $2 || ' is below min_balance ' || p.min_balance || '.' END
            FROM was
            WHERE p.id = was.id
            RETURNING p.name, p.paused_reason, was.paused_reason, was.unreachable_since, {OpenOrders}
            """);
        command.Parameters.Add(new() { Value = providerId });
        command.Parameters.Add(new() { Value = balance });
        command.Parameters.Add(new() { Value = (object?)currency ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = now });
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }

        var (name, paused, wasPaused) = (reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), !reader.IsDBNull(2));
        if (paused is not null && !wasPaused)
        {
            logger.LogWarning("Provider {Provider}: {Reason} {Orders} order(s) at it wait", name, paused, reader.GetInt64(4));
        }
        else if (paused is null && wasPaused)
        {
            logger.LogInformation("Provider {Provider}: dispatch resumed, balance {Balance}", name, balance);
        }

        LogBack(name, reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3), reader.GetInt64(4), now);
        return paused;
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
    /// each kept from the first such call until a call succeeds (<see cref="RecordReachableAsync"/>). The outage is logged
    /// once, when it starts, with the orders at the provider. Returns unreachable_since: how long the provider has been failing.
    /// </summary>
    public async Task<DateTimeOffset?> RecordUnreachableAsync(long providerId, string error, DateTimeOffset now, CancellationToken ct,
        ProviderFailure failure = ProviderFailure.Unreachable)
    {
        await using var command = db.CreateCommand($"""
            WITH was AS (SELECT id, unreachable_since FROM providers WHERE id = $1 FOR UPDATE)
            UPDATE providers p SET last_error = $2, unreachable_since = coalesce(p.unreachable_since, $3),
                auth_failed_at = CASE WHEN $4 THEN coalesce(p.auth_failed_at, $3) ELSE p.auth_failed_at END,
                redirected_at = CASE WHEN $5 THEN coalesce(p.redirected_at, $3) ELSE p.redirected_at END
            FROM was
            WHERE p.id = was.id
            RETURNING p.unreachable_since, p.name, was.unreachable_since IS NULL, {OpenOrders}
            """);
        command.Parameters.Add(new() { Value = providerId });
        command.Parameters.Add(new() { Value = error });
        command.Parameters.Add(new() { Value = now });
        command.Parameters.Add(new() { Value = failure == ProviderFailure.AuthenticationFailed });
        command.Parameters.Add(new() { Value = failure == ProviderFailure.Redirected });
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }

        if (reader.GetBoolean(2))
        {
            logger.LogWarning("Provider {Provider} unreachable: {Error} {Orders} order(s) at it wait or fail over until it answers",
                reader.GetString(1), error, reader.GetInt64(3));
        }

        return reader.GetFieldValue<DateTimeOffset>(0);
    }

    /// <summary>
    /// A call that succeeded (a balance, a service list, a status answer, an accepted add): the provider works again. The
    /// outage, a refused key and a redirect go, with their last_error; an error recorded while none of them was set stays.
    /// Writes nothing when none was; the end of an outage is logged once.
    /// </summary>
    public Task RecordReachableAsync(long providerId, CancellationToken ct) => ClearAsync(providerId, everything: true, ct);

    /// <summary>
    /// An add answered with a refusal of its own (a link, a service, funds): the provider is reachable, so a plain outage goes.
    /// It says nothing about the key, nor about where the URL leads: a refused key or a redirect stays until a call succeeds.
    /// </summary>
    public Task RecordAnsweredAsync(long providerId, CancellationToken ct) => ClearAsync(providerId, everything: false, ct);

    private async Task ClearAsync(long providerId, bool everything, CancellationToken ct)
    {
        await using var command = db.CreateCommand($"""
            WITH was AS (
                SELECT id, unreachable_since FROM providers
                WHERE id = $1 AND CASE WHEN $2 THEN unreachable_since IS NOT NULL OR auth_failed_at IS NOT NULL OR redirected_at IS NOT NULL
                                       ELSE unreachable_since IS NOT NULL AND auth_failed_at IS NULL AND redirected_at IS NULL END
                FOR UPDATE)
            UPDATE providers p SET unreachable_since = NULL, last_error = NULL,
                auth_failed_at = CASE WHEN $2 THEN NULL ELSE p.auth_failed_at END, redirected_at = CASE WHEN $2 THEN NULL ELSE p.redirected_at END
            FROM was
            WHERE p.id = was.id
            RETURNING p.name, was.unreachable_since, {OpenOrders}
            """);
        command.Parameters.Add(new() { Value = providerId });
        command.Parameters.Add(new() { Value = everything });
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (await reader.ReadAsync(ct))
        {
            LogBack(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1), reader.GetInt64(2), clock.GetUtcNow());
        }
    }

    /// <summary>The orders at a provider (p) not finished: what its outage or pause affects.</summary>
    private const string OpenOrders = """
        (SELECT count(*) FROM orders o WHERE o.provider_id = p.id AND o.status IN ('pending', 'held', 'dispatching', 'in_progress', 'review'))
        """;

    private void LogBack(string provider, DateTimeOffset? since, long orders, DateTimeOffset now)
    {
        if (since is { } s)
        {
            logger.LogInformation("Provider {Provider} reachable again after {Outage} unreachable; {Orders} order(s) at it", provider,
                (now - s).ToString(@"d\.hh\:mm\:ss", System.Globalization.CultureInfo.InvariantCulture), orders);
        }
    }
}
