using Npgsql;

namespace Fulfillment.Engine.Retention;

/// <summary>
/// The last step of a run (<see cref="RetentionSteps.EventPartitions"/>): the month partitions of order_events that can hold
/// nothing any more are dropped (fulfillment_drop_event_partitions: the month is over and no event of it is left, every one
/// having gone with its order). Events are deleted only with their order, so this shortens no retention: it gives back the
/// emptied months' tables.
/// </summary>
internal static class EventPartitions
{
    public const string Verb = "dropped";

    /// <summary>The partitions dropped (in a dry run, those that would be).</summary>
    public static async Task<IReadOnlyList<string>> DropEmptyAsync(NpgsqlDataSource db, RetentionContext context, CancellationToken ct)
    {
        await using var command = db.CreateCommand("SELECT fulfillment_drop_event_partitions($1, $2)");
        command.Parameters.Add(new() { Value = context.Now });
        command.Parameters.Add(new() { Value = context.Options.DryRun });
        var dropped = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            dropped.Add(reader.GetString(0));
        }

        return dropped;
    }
}
