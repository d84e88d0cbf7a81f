using Fulfillment.Data.Entities;
using Fulfillment.Engine.Database;
using Fulfillment.Engine.Lifecycle;
using Npgsql;
using NpgsqlTypes;

namespace Fulfillment.Engine.Dispatch.Sql;

/// <summary>
/// The dispatch claim's read: due pending orders locked for this transaction (SKIP LOCKED), with what the checks need from their
/// user, service and provider, the refusals of their route, and the attempt a provider may hold them by.
/// </summary>
public static class ClaimOrders
{
    /// <summary>$1 now, $2 the batch size, $3 order ids or NULL. Public so the plan tests run this text.</summary>
    /// <remarks>
    /// MATERIALIZED keeps the planner from locking more rows than the limit (docs/style.md, 6). NO KEY UPDATE, not UPDATE:
    /// another instance may hold an order behind one of ours (held_by, a foreign key, takes KEY SHARE on it); FOR UPDATE would
    /// make two such claims deadlock.
    /// </remarks>
    public static readonly string Sql = $$"""
        WITH batch AS MATERIALIZED (
            SELECT id FROM orders
            WHERE status IN {{OrderLifecycle.Claim.FromSql}} AND (next_attempt_at IS NULL OR next_attempt_at <= $1) AND ($3::bigint[] IS NULL OR id = ANY($3))
            ORDER BY id
            LIMIT $2
            FOR NO KEY UPDATE SKIP LOCKED)
        SELECT o.id, o.user_id, u.status AS user_status, o.link, o.quantity, coalesce(o.params::text, '{}') AS params, o.created_at, o.attempts,
               s.id AS service_id, s.name AS service_name, s.type AS service_type, s.enabled AS service_enabled, s.provider_service_id,
               s.min, s.max, s.dripfeed, s.rate AS sale_rate, s.dripfeed_mode, o.route_position, o.emulated_runs,
               {{ProviderColumns.Select("p", "p_")}},
               EXISTS (SELECT 1 FROM order_requests r WHERE r.order_id IN (o.id, o.parent_id) AND r.kind = '{{OrderRequestKind.Cancel}}'
                       AND r.status = '{{OrderRequestStatus.Pending}}') AS cancel_requested,
               (SELECT min(a.sent_at) FROM order_attempts a
                WHERE a.order_id = o.id AND a.route_position = o.route_position AND a.outcome = '{{AttemptOutcome.Refused}}'
                  AND a.refusal LIKE '{{AttemptAnswer.ForNowPrefix}}%' AND a.refusal <> '{{AttemptAnswer.SameLink}}') AS refusing_since,
               pin.id AS pin_attempt, pin.provider_id AS pin_provider_id, pin.provider_service_id AS pin_service, pin.route_position AS pin_position,
               {{ProviderColumns.Select("pp", "pin_p_")}}
        FROM batch b
        JOIN orders o ON o.id = b.id
        JOIN users u ON u.id = o.user_id
        JOIN services s ON s.id = o.service_id
        LEFT JOIN providers p ON p.id = s.provider_id
        LEFT JOIN LATERAL (
            SELECT a.id, a.provider_id, a.provider_service_id, a.route_position FROM order_attempts a
            WHERE a.order_id = o.id AND a.outcome = '{{AttemptOutcome.Unknown}}' ORDER BY a.id DESC LIMIT 1) pin ON true
        LEFT JOIN providers pp ON pp.id = pin.provider_id
        ORDER BY o.id
        """;

    public static async Task<List<ClaimedOrder>> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DateTimeOffset now, int limit,
        long[]? ids, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(Sql, connection, transaction);
        command.Parameters.Add(new() { Value = now });
        command.Parameters.Add(new() { Value = limit });
        command.Parameters.Add(new() { Value = (object?)ids ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        var claimed = new List<ClaimedOrder>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            claimed.Add(Read(reader));
        }

        return claimed;
    }

    private static ClaimedOrder Read(NpgsqlDataReader r) => new(
        r.Value<long>("id"), r.Value<long>("user_id"), r.Value<string>("user_status"), r.Value<string>("link"), r.Value<int>("quantity"),
        r.Value<string>("params"), r.Value<DateTimeOffset>("created_at"), r.Value<int>("attempts"), r.Value<long>("service_id"),
        r.Value<string>("service_name"), r.Value<string>("service_type"), r.Value<bool>("service_enabled"), r.Text("provider_service_id"),
        r.Value<int>("min"), r.Value<int>("max"), r.Value<bool>("dripfeed"), ProviderColumns.Read(r, "p_"), r.Value<bool>("cancel_requested"),
        RoutePosition: r.Value<int>("route_position"), RouteRefusingSince: r.Maybe<DateTimeOffset>("refusing_since"), Pin: Pin(r),
        SaleRate: r.Maybe<decimal>("sale_rate"), DripfeedMode: r.Value<string>("dripfeed_mode"), EmulatedRuns: r.Maybe<int>("emulated_runs"));

    private static AttemptPin? Pin(NpgsqlDataReader r) => r.Maybe<long>("pin_attempt") is { } attempt
        ? new AttemptPin(attempt, r.Maybe<long>("pin_provider_id"), r.Text("pin_service"), r.Value<int>("pin_position"), ProviderColumns.Read(r, "pin_p_"))
        : null;
}
