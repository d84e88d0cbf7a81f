using Fulfillment.Engine.Jobs;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Fulfillment.Engine.Partitions;

/// <summary>
/// MaintainPartitions: order_events is partitioned by month (UTC), and this adds the partitions of the current month and the
/// next <see cref="MonthsAhead"/> before any event needs them (fulfillment_add_event_partitions). Events that sat in the default
/// partition (a month had none: the job had not run for that long, or an event's time is far off) are moved into partitions of
/// their months, and the job warns about them in one line. Daily by default; running it again changes nothing.
/// </summary>
public sealed class MaintainPartitionsJob(NpgsqlDataSource db, TimeProvider clock, ILogger<MaintainPartitionsJob> logger) : IEngineJob
{
    /// <summary>Months after the current one that always have a partition: a daily run has two months of chances to add each.</summary>
    public const int MonthsAhead = 2;

    /// <summary>The last run's outcome, for <c>run-once</c> and tests.</summary>
    public PartitionReport? Report { get; private set; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand(
            "SELECT created, in_default, oldest_in_default, newest_in_default FROM fulfillment_add_event_partitions($1, $2)");
        command.Parameters.Add(new() { Value = clock.GetUtcNow() });
        command.Parameters.Add(new() { Value = MonthsAhead });
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            Report = new PartitionReport(reader.GetFieldValue<string[]>(0), reader.GetInt64(1),
                reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2), reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3));
        }

        if (Report.Created.Count > 0)
        {
            logger.LogInformation("Partitions of order_events added: {Partitions}", string.Join(", ", Report.Created));
        }

        if (Report.InDefault > 0)
        {
            logger.LogWarning(
                "{Events} order events sat in the default partition order_events_default ({Oldest:u} to {Newest:u}), where events go when no " +
                "partition covers their month; moved into the partitions of their months. Check that MaintainPartitions runs daily",
                Report.InDefault, Report.OldestInDefault, Report.NewestInDefault);
        }
    }
}

/// <param name="Created">The partitions added, e.g. <c>order_events_2027_02</c>.</param>
/// <param name="InDefault">Events found in the default partition, all moved into partitions of their months.</param>
public sealed record PartitionReport(IReadOnlyList<string> Created, long InDefault, DateTimeOffset? OldestInDefault, DateTimeOffset? NewestInDefault);
