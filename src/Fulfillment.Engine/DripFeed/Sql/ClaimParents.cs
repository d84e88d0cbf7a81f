using System.Text.Json;
using Fulfillment.Data.Entities;
using Fulfillment.Engine.Database;
using Npgsql;
using NpgsqlTypes;

namespace Fulfillment.Engine.DripFeed.Sql;

/// <summary>A running emulated parent due for a look, as claimed.</summary>
/// <param name="Interval">params.interval as place_order took it, or null when it cannot be read.</param>
public sealed record ClaimedParent(long Id, int Quantity, int Runs, int? Interval, string UserStatus, bool ServiceCancel, long? Request, string? RequestReason)
{
    /// <summary>It stops: its account is not active, or a cancel request closes it.</summary>
    public bool Stopping => Request is not null || UserStatus != Data.Entities.UserStatus.Active;
}

/// <summary>
/// The running emulated parents due for a look, locked (MATERIALIZED with SKIP LOCKED, docs/style.md, 6): two instances never look at
/// one parent at once, and only the instance holding a parent creates its runs (ux_orders_one_row_per_run is the last guard).
/// </summary>
public static class ClaimParents
{
    private static readonly string Sql = $"""
        WITH due AS MATERIALIZED (
            SELECT id FROM orders
            WHERE status = '{OrderStatus.InProgress}' AND emulated_runs IS NOT NULL AND next_attempt_at <= $1 AND ($3::bigint[] IS NULL OR id = ANY($3))
            ORDER BY next_attempt_at, id
            LIMIT $2
            FOR NO KEY UPDATE SKIP LOCKED)
        SELECT p.id, p.quantity, p.emulated_runs, p.params -> 'interval' AS interval, u.status AS user_status, coalesce(s.cancel, false) AS service_cancel,
               r.id AS request, r.reason AS request_reason
        FROM due
        JOIN orders p ON p.id = due.id
        JOIN users u ON u.id = p.user_id
        LEFT JOIN services s ON s.id = p.service_id
        LEFT JOIN LATERAL (
            SELECT q.id, q.reason FROM order_requests q
            WHERE q.order_id = p.id AND q.kind = '{OrderRequestKind.Cancel}' AND q.status IN ('{OrderRequestStatus.Pending}', '{OrderRequestStatus.Sent}')
            ORDER BY q.id LIMIT 1) r ON true
        ORDER BY p.id
        """;

    public static async Task<List<ClaimedParent>> ClaimAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DateTimeOffset now, int limit,
        long[]? ids, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(Sql, connection, transaction);
        command.Parameters.Add(new() { Value = now });
        command.Parameters.Add(new() { Value = limit });
        command.Parameters.Add(new() { Value = (object?)ids ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        var parents = new List<ClaimedParent>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            parents.Add(new ClaimedParent(reader.Value<long>("id"), reader.Value<int>("quantity"), reader.Value<int>("emulated_runs"),
                reader.Text("interval") is { } interval ? WholeNumber(interval) : null, reader.Value<string>("user_status"),
                reader.Value<bool>("service_cancel"), reader.Maybe<long>("request"), reader.Text("request_reason")));
        }

        return parents;
    }

    /// <summary>params.interval as place_order took it: a JSON number, or a string of digits.</summary>
    private static int? WholeNumber(string json)
    {
        using var document = JsonDocument.Parse(json);
        var value = document.RootElement;
        return value.ValueKind switch
        {
            JsonValueKind.Number when value.TryGetInt32(out var n) => n,
            JsonValueKind.String when int.TryParse(value.GetString()?.Trim(), out var n) => n,
            _ => null,
        };
    }
}
