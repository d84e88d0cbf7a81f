using Fulfillment.Engine.Retention;
using Fulfillment.Tests.Infrastructure;
using Npgsql;

namespace Fulfillment.Tests.Retention;

/// <summary>
/// order_events is partitioned by month; events go only with their order (ON DELETE CASCADE), and a month's partition is dropped
/// once its month is over and none of its events is left, never while one of its orders is.
/// </summary>
public sealed class EventPartitionRetentionTests(FreshDatabases databases) : IClassFixture<FreshDatabases>
{
    [Fact]
    public async Task A_past_months_partition_is_dropped_once_none_of_its_events_orders_remain_and_not_before()
    {
        await using var source = NpgsqlDataSource.Create(await databases.CreateAsync());
        var h = new RetentionHarness(source);
        var (user, service) = await h.CustomerAsync(h.Now);
        // Long past TransactionRecords: an order the panel wrote itself and never charged is deleted with its events (March);
        // a charged one is anonymised and kept, with its events (its finish, in May).
        var march = new DateTimeOffset(2019, 3, 15, 12, 0, 0, TimeSpan.Zero);
        var deleted = await h.Panel.ScalarAsync<long>("""
            WITH o AS (
                INSERT INTO orders (user_id, service_id, link, quantity, charge, status, finished_at)
                VALUES ($1, $2, 'https://instagram.com/someone', 100, 0, 'completed', $3) RETURNING id),
            e AS (INSERT INTO order_events (order_id, at, kind) SELECT id, $3, 'imported' FROM o)
            SELECT id FROM o
            """, user, service, march);
        var kept = await h.FinishedOrderAsync(user, service, new DateTimeOffset(2019, 5, 15, 12, 0, 0, TimeSpan.Zero));
        await h.Panel.ExecuteAsync("SELECT fulfillment_add_event_partitions(now(), 2)");
        var partitions = await PartitionsAsync(h.Panel);
        Assert.Contains("order_events_2019_03", partitions);
        Assert.Contains("order_events_2019_05", partitions);

        // The run deletes the March order and its events; the partition's pages wait for vacuum, so it stays for now.
        var first = await h.RunAsync();
        Assert.False(await h.ExistsAsync("orders", deleted));
        Assert.Equal(0L, first[RetentionSteps.EventPartitions]);
        Assert.Contains("order_events_2019_03", await PartitionsAsync(h.Panel));

        await h.Panel.ExecuteAsync("VACUUM order_events_2019_03");
        h.Options.DryRun = true;
        Assert.Equal(1L, (await h.RunAsync())[RetentionSteps.EventPartitions]);
        Assert.Contains("order_events_2019_03", await PartitionsAsync(h.Panel));

        h.Options.DryRun = false;
        Assert.Equal(1L, (await h.RunAsync())[RetentionSteps.EventPartitions]);

        // Only March went: May holds an event of an order that remains, this month and the months ahead are not over.
        Assert.Equal(partitions.Where(p => p != "order_events_2019_03"), await PartitionsAsync(h.Panel));
        Assert.True(await h.ExistsAsync("orders", kept));
        Assert.Equal(2L, await h.Panel.ScalarAsync<long>("SELECT count(*) FROM order_events WHERE order_id = $1", kept));
        Assert.Equal(0L, (await h.RunAsync())[RetentionSteps.EventPartitions]);
    }

    private static async Task<List<string>> PartitionsAsync(Panel panel) => [.. (await panel.ScalarAsync<string>(
        "SELECT string_agg(inhrelid::regclass::text, ',' ORDER BY inhrelid::regclass::text) FROM pg_inherits WHERE inhparent = 'order_events'::regclass")).Split(',')];
}
