using System.Text.Json;
using Fulfillment.Data.Entities;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Fulfillment.Engine.Alerts;

/// <summary>One condition found true now: its subject, a sentence a person can act on, and what it counted.</summary>
public sealed record AlertCondition(string SubjectId, string Message, object? Detail = null);

/// <summary>
/// The one writer of <c>operator_alerts</c>. A check states, for one kind, which subjects are in trouble now among those it looked at:
/// an open alert is raised for each that has none (re-armed after one cleared), its words kept current, and the open alerts of the
/// subjects no longer in trouble are cleared. Each raise and each clear is one log line at Information.
/// </summary>
public sealed class AlertBook(NpgsqlDataSource db, TimeProvider clock, ILogger<AlertBook> logger)
{
    /// <summary>
    /// States the conditions of <paramref name="kind"/> found now. <paramref name="lookedAt"/> names the subjects the check looked
    /// at (null: every subject of the kind): only their open alerts may clear.
    /// </summary>
    public async Task StateAsync(string kind, string subjectType, IReadOnlyCollection<AlertCondition> now, IReadOnlyCollection<string>? lookedAt,
        CancellationToken ct)
    {
        await using var command = db.CreateCommand($"""
            WITH cur AS (SELECT * FROM unnest($3::text[], $4::text[], $5::jsonb[]) AS c(subject_id, message, detail)),
            raised AS (
                INSERT INTO operator_alerts (kind, subject_type, subject_id, message, detail, raised_at)
                SELECT $1, $2, c.subject_id, c.message, c.detail, $7 FROM cur c
                ON CONFLICT (kind, subject_type, subject_id) WHERE cleared_at IS NULL
                DO UPDATE SET message = EXCLUDED.message, detail = EXCLUDED.detail
                    WHERE operator_alerts.message IS DISTINCT FROM EXCLUDED.message OR operator_alerts.detail IS DISTINCT FROM EXCLUDED.detail
                RETURNING subject_id, message, xmax = 0 AS inserted),
            cleared AS (
                UPDATE operator_alerts a SET cleared_at = $7
                WHERE a.kind = $1 AND a.subject_type = $2 AND a.cleared_at IS NULL
                  AND ($6::text[] IS NULL OR a.subject_id = ANY($6))
                  AND NOT EXISTS (SELECT 1 FROM cur c WHERE c.subject_id = a.subject_id)
                RETURNING a.subject_id, a.message)
            SELECT 'raised' AS change, subject_id, message FROM raised WHERE inserted
            UNION ALL
            SELECT 'cleared', subject_id, message FROM cleared
            """);
        command.Parameters.Add(new() { Value = kind });
        command.Parameters.Add(new() { Value = subjectType });
        command.Parameters.Add(new() { Value = now.Select(c => c.SubjectId).ToArray() });
        command.Parameters.Add(new() { Value = now.Select(c => c.Message).ToArray() });
        command.Parameters.Add(new() { Value = now.Select(c => JsonSerializer.Serialize(c.Detail ?? new { })).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        command.Parameters.Add(new() { Value = (object?)lookedAt?.ToArray() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = clock.GetUtcNow() });
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            if (reader.GetString(0) == "raised")
            {
                logger.LogInformation("Alert raised: {Kind} for {SubjectType} {SubjectId}: {Message}", kind, subjectType, reader.GetString(1), reader.GetString(2));
            }
            else
            {
                logger.LogInformation("Alert cleared: {Kind} for {SubjectType} {SubjectId} (it was: {Message})", kind, subjectType, reader.GetString(1),
                    reader.GetString(2));
            }
        }
    }

    /// <summary>The open alerts per kind, for the gauge an external monitor alerts on.</summary>
    public async Task<IReadOnlyDictionary<string, long>> OpenByKindAsync(CancellationToken ct)
    {
        var open = AlertKind.All.ToDictionary(k => k, _ => 0L, StringComparer.Ordinal);
        await using var command = db.CreateCommand("SELECT kind, count(*) FROM operator_alerts WHERE cleared_at IS NULL GROUP BY kind");
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            open[reader.GetString(0)] = reader.GetInt64(1);
        }

        return open;
    }
}
