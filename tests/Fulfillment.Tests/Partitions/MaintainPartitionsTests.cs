using System.Collections.Concurrent;
using Fulfillment.Engine.Partitions;
using Fulfillment.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Fulfillment.Tests.Partitions;

/// <summary>order_events is partitioned by the month of `at` (UTC); MaintainPartitions keeps months ahead and empties the default partition.</summary>
public sealed class MaintainPartitionsTests(FreshDatabases databases) : IClassFixture<FreshDatabases>
{
    [Fact]
    public async Task Events_land_in_the_partition_of_their_month_and_beyond_the_partitions_in_the_default_one()
    {
        await using var db = await DbAsync();
        var order = await OrderAsync(db.Panel);

        // place_order's own event, now.
        Assert.Equal(Partition(DateTimeOffset.UtcNow), await db.Panel.ScalarAsync<string>(
            "SELECT tableoid::regclass::text FROM order_events WHERE order_id = $1 AND kind = 'placed'", order));
        Assert.Equal(Partition(DateTimeOffset.UtcNow.AddMonths(2)), await InsertEventAsync(db.Panel, order, DateTimeOffset.UtcNow.AddMonths(2)));
        Assert.Equal("order_events_default", await InsertEventAsync(db.Panel, order, DateTimeOffset.UtcNow.AddYears(3)));
    }

    [Fact]
    public async Task The_job_adds_this_month_and_two_ahead_of_its_clock_and_running_it_again_changes_nothing()
    {
        await using var db = await DbAsync();
        var now = DateTimeOffset.UtcNow.AddMonths(7);
        var logs = new Logs();
        var job = new MaintainPartitionsJob(db.Source, new FakeTimeProvider(now), logs);

        await job.RunAsync(CancellationToken.None);

        Assert.Equal([Partition(now), Partition(now.AddMonths(1)), Partition(now.AddMonths(2))], job.Report!.Created);
        Assert.Equal(0L, job.Report.InDefault);
        Assert.Contains(logs.Lines, l => l.StartsWith("Information", StringComparison.Ordinal) && l.Contains(Partition(now.AddMonths(2)), StringComparison.Ordinal));
        var order = await OrderAsync(db.Panel);
        Assert.Equal(Partition(now.AddMonths(2)), await InsertEventAsync(db.Panel, order, now.AddMonths(2)));

        await job.RunAsync(CancellationToken.None);

        Assert.Empty(job.Report.Created);
        Assert.DoesNotContain(logs.Lines, l => l.StartsWith("Warning", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Events_in_the_default_partition_are_warned_about_in_one_line_and_moved_into_partitions_of_their_months()
    {
        await using var db = await DbAsync();
        var order = await OrderAsync(db.Panel);
        var far = new DateTimeOffset(DateTimeOffset.UtcNow.Year + 5, 3, 10, 12, 0, 0, TimeSpan.Zero);
        var past = new DateTimeOffset(2019, 11, 30, 23, 59, 59, TimeSpan.Zero);
        var ids = new List<long>();
        foreach (var at in new[] { far, far.AddDays(1), past })
        {
            Assert.Equal("order_events_default", await InsertEventAsync(db.Panel, order, at));
            ids.Add(await db.Panel.ScalarAsync<long>("SELECT max(id) FROM order_events"));
        }

        var logs = new Logs();
        var job = new MaintainPartitionsJob(db.Source, TimeProvider.System, logs);
        await job.RunAsync(CancellationToken.None);

        Assert.Equal(3L, job.Report!.InDefault);
        Assert.Equal(past, job.Report.OldestInDefault);
        Assert.Equal(far.AddDays(1), job.Report.NewestInDefault);
        var warning = Assert.Single(logs.Lines, l => l.StartsWith("Warning", StringComparison.Ordinal));
        Assert.Contains("3 order events sat in the default partition", warning, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', warning);
        Assert.Equal(0L, await db.Panel.ScalarAsync<long>("SELECT count(*) FROM order_events_default"));
        Assert.Equal($"{ids[0]} {Partition(far)}, {ids[1]} {Partition(far)}, {ids[2]} order_events_2019_11", await db.Panel.ScalarAsync<string>(
            "SELECT string_agg(id || ' ' || tableoid::regclass::text, ', ' ORDER BY id) FROM order_events WHERE id = ANY($1)", ids.ToArray()));
    }

    private static string Partition(DateTimeOffset at) => $"order_events_{at.UtcDateTime:yyyy_MM}";

    private static Task<string> InsertEventAsync(Panel panel, long order, DateTimeOffset at) => panel.ScalarAsync<string>(
        "INSERT INTO order_events (order_id, at, kind) VALUES ($1, $2, 'probe') RETURNING tableoid::regclass::text", order, at);

    private static async Task<long> OrderAsync(Panel panel)
    {
        var service = await panel.CreateServiceAsync(await panel.CreateProviderAsync(), rate: 1m);
        return await panel.PlaceOrderAsync(await panel.CreateUserAsync(deposit: 10m), service, "https://instagram.com/p/partitions", 100);
    }

    private async Task<Database> DbAsync()
    {
        var source = NpgsqlDataSource.Create(await databases.CreateAsync());
        return new Database(source, new Panel(source));
    }

    private sealed record Database(NpgsqlDataSource Source, Panel Panel) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Source.DisposeAsync();
    }

    /// <summary>The job's log lines, level first.</summary>
    private sealed class Logs : ILogger<MaintainPartitionsJob>
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public IReadOnlyList<string> Lines => [.. _lines];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            _lines.Enqueue($"{logLevel} {formatter(state, exception)}");
    }
}
