using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Fulfillment.Engine.Heartbeat;

/// <summary>The <c>engine_instances</c> rows: one per running engine, kept fresh, removed on a clean stop.</summary>
public sealed class HeartbeatStore(NpgsqlDataSource db)
{
    public async Task UpsertAsync(InstanceIdentity identity, DateTimeOffset now, object info, CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            INSERT INTO engine_instances (id, host, version, started_at, heartbeat_at, info)
            VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, info = excluded.info
            """);
        command.Parameters.Add(new() { Value = identity.Id });
        command.Parameters.Add(new() { Value = identity.Host });
        command.Parameters.Add(new() { Value = identity.Version });
        command.Parameters.Add(new() { Value = identity.StartedAt });
        command.Parameters.Add(new() { Value = now });
        command.Parameters.Add(new() { Value = JsonSerializer.Serialize(info), NpgsqlDbType = NpgsqlDbType.Jsonb });
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Open orders per status among $1 (one grouped count over ix_orders_open_status). Public so the plan tests run this text.</summary>
    public const string QueueDepthsSql = """
        SELECT status, count(*) FROM orders
        WHERE status IN ('pending', 'held', 'dispatching', 'in_progress', 'review') AND status = ANY($1)
        GROUP BY status
        """;

    /// <summary>Open orders per status among <paramref name="statuses"/> (one grouped count over ix_orders_open_status); absent statuses have none.</summary>
    public async Task<IReadOnlyDictionary<string, long>> QueueDepthsAsync(IReadOnlyList<string> statuses, CancellationToken ct)
    {
        await using var command = db.CreateCommand(QueueDepthsSql);
        command.Parameters.Add(new() { Value = statuses.ToArray() });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var depths = new Dictionary<string, long>(StringComparer.Ordinal);
        while (await reader.ReadAsync(ct))
        {
            depths[reader.GetString(0)] = reader.GetInt64(1);
        }

        return depths;
    }

    public async Task RemoveAsync(Guid id, CancellationToken ct)
    {
        await using var command = db.CreateCommand("DELETE FROM engine_instances WHERE id = $1");
        command.Parameters.Add(new() { Value = id });
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Deletes rows of instances that stopped heartbeating (crashed, killed, lost their network).</summary>
    public async Task<IReadOnlyList<(Guid Id, string Host)>> RemoveStaleAsync(DateTimeOffset heartbeatBefore, CancellationToken ct)
    {
        await using var command = db.CreateCommand("DELETE FROM engine_instances WHERE heartbeat_at < $1 RETURNING id, host");
        command.Parameters.Add(new() { Value = heartbeatBefore });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var removed = new List<(Guid, string)>();
        while (await reader.ReadAsync(ct))
        {
            removed.Add((reader.GetGuid(0), reader.GetString(1)));
        }

        return removed;
    }
}
