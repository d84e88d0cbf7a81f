using Fulfillment.Engine.Database;
using Fulfillment.Engine.Lifecycle;
using Fulfillment.Engine.Lifecycle.Decisions;
using Npgsql;

namespace Fulfillment.Engine.DripFeed.Sql;

/// <summary>The claimed parents' runs, after the stopping ones were closed (fulfillment_close_parents) in the same transaction.</summary>
public static class CloseAndReadRuns
{
    private const string RunsSql = """
        SELECT o.parent_id, o.id, o.run_number, o.status, o.remains, o.start_count, o.created_at, o.dispatched_at,
               (SELECT min(a.sent_at) FROM order_attempts a WHERE a.order_id = o.id) AS sent_at, o.finished_at, o.error
        FROM orders o
        WHERE o.parent_id = ANY($1)
        ORDER BY o.parent_id, o.run_number
        """;

    /// <summary>Closes each stopping parent for its reason, then reads every parent's runs.</summary>
    public static async Task<Dictionary<long, List<DripFeedRun>>> RunAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        IReadOnlyList<ClaimedParent> parents, DateTimeOffset now, CancellationToken ct)
    {
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            foreach (var group in parents.Where(p => p.Stopping).GroupBy(p => StopReasonOf(p)))
            {
                OrderWriter.Add(batch, "SELECT count(*) FROM fulfillment_close_parents($1, $2, $3, $4)",
                    group.Select(p => p.Id).ToArray(), group.Key, $"The engine stopped this drip-feed ({group.Key}).", now);
            }

            if (batch.BatchCommands.Count > 0)
            {
                await batch.ExecuteNonQueryAsync(ct);
            }
        }

        var runs = parents.ToDictionary(p => p.Id, _ => new List<DripFeedRun>());
        await using var command = new NpgsqlCommand(RunsSql, connection, transaction);
        command.Parameters.Add(new() { Value = parents.Select(p => p.Id).ToArray() });
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            runs[reader.Value<long>("parent_id")].Add(new DripFeedRun(reader.Value<long>("id"), reader.Value<int>("run_number"), reader.Value<string>("status"),
                reader.Maybe<long>("remains"), reader.Maybe<long>("start_count"), reader.Value<DateTimeOffset>("created_at"),
                reader.Maybe<DateTimeOffset>("dispatched_at"), reader.Maybe<DateTimeOffset>("sent_at"), reader.Maybe<DateTimeOffset>("finished_at"),
                reader.Text("error")));
        }

        return runs;
    }

    private static string StopReasonOf(ClaimedParent p) =>
        DripFeedRuns.StopReason(new DripFeedParent(p.Id, p.Quantity, p.Runs, p.Interval ?? 0, p.UserStatus, p.ServiceCancel, p.Request, [], p.RequestReason))
        ?? UserReason.CanceledByUser;
}
