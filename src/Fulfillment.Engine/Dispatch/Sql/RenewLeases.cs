using Fulfillment.Data.Entities;
using Npgsql;

namespace Fulfillment.Engine.Dispatch.Sql;

/// <summary>
/// Keeps the orders this instance still holds (claimed, being sent, or waiting to be recorded) fresh, so recovery never takes an
/// order whose add is still queued or in flight here. Orders it stops renewing are recovered after AbandonedAfter.
/// </summary>
public static class RenewLeases
{
    public static async Task RenewAsync(NpgsqlDataSource db, Guid instance, long[] orderIds, DateTimeOffset now, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            $"UPDATE orders SET updated_at = $3 WHERE id = ANY($1) AND status = '{OrderStatus.Dispatching}' AND claimed_by = $2");
        command.Parameters.Add(new() { Value = orderIds });
        command.Parameters.Add(new() { Value = instance });
        command.Parameters.Add(new() { Value = now });
        await command.ExecuteNonQueryAsync(ct);
    }
}
