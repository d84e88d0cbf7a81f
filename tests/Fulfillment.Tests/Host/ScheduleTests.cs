using Fulfillment.Engine.Heartbeat;
using Fulfillment.Engine.Jobs;
using Fulfillment.Tests.Infrastructure;
using Fulfillment.Worker.Hosting;
using Fulfillment.Worker.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Quartz;

namespace Fulfillment.Tests.Host;

/// <summary>
/// The scheduler's job store is the database and outlives each run: these start the engine twice on
/// one database, with different configurations, and read what Quartz stored in its qrtz_ tables.
/// </summary>
public sealed class ScheduleTests(FreshDatabases databases) : IClassFixture<FreshDatabases>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_job_disabled_after_an_earlier_run_stored_its_trigger_no_longer_fires()
    {
        var db = await databases.CreateAsync();
        string[] common = [.. FastEngine.Settings(db, "schedule-disable"), "--Fulfillment:Jobs:Heartbeat:Interval=00:00:00.2"];

        await using (var first = await StartAsync([.. common, "--Fulfillment:Jobs:ProcessOrderRequests:Interval=00:00:00.2"]))
        {
            await Poll.UntilAsync(() => first.Runs(JobNames.ProcessOrderRequests) >= 2, Patience, () => "ProcessOrderRequests never ran while enabled");
        }

        Assert.Equal(1L, await CountAsync(db, "qrtz_triggers", JobNames.ProcessOrderRequests));

        await using (var second = await StartAsync([.. common, "--Fulfillment:Jobs:ProcessOrderRequests:Enabled=false"]))
        {
            Assert.Equal(0L, await CountAsync(db, "qrtz_triggers", JobNames.ProcessOrderRequests));
            Assert.Equal(0L, await CountAsync(db, "qrtz_job_details", JobNames.ProcessOrderRequests));
            // Fifteen fires of the 0.2 s Heartbeat trigger: the stored 0.2 s trigger, had it survived, would have fired as often.
            await Poll.UntilAsync(() => second.Runs(JobNames.Heartbeat) >= 15, Patience, () => "the Heartbeat job did not keep firing");
            Assert.Equal(0L, second.Runs(JobNames.ProcessOrderRequests));
        }
    }

    [Fact]
    public async Task A_changed_interval_or_cron_replaces_the_stored_trigger_and_an_unchanged_one_keeps_its_timing()
    {
        var db = await databases.CreateAsync();
        string[] common =
        [
            .. FastEngine.Settings(db, "schedule-change"),
            "--Fulfillment:Jobs:CheckProviderBalances:Enabled=true", "--Fulfillment:Jobs:CheckProviderBalances:Interval=01:00:00",
            "--Fulfillment:Jobs:PurgeExpiredData:Enabled=true",
            "--Fulfillment:Jobs:SyncProviderServices:Enabled=true",
        ];

        await using (await StartAsync(
        [
            .. common, "--Fulfillment:Jobs:ResolveConflicts:Interval=00:00:07", "--Fulfillment:Jobs:PurgeExpiredData:Cron=0 30 3 * * ?",
            "--Fulfillment:Jobs:SyncProviderServices:Cron=0 0 * * * ?",
        ]))
        {
        }

        Assert.Equal(7000L, await RepeatIntervalAsync(db, JobNames.ResolveConflicts));
        Assert.Equal("0 30 3 * * ?", await CronAsync(db, JobNames.PurgeExpiredData));
        var unchangedStart = await StartTimeAsync(db, JobNames.CheckProviderBalances);

        await using (await StartAsync(
        [
            .. common, "--Fulfillment:Jobs:ResolveConflicts:Interval=00:00:03", "--Fulfillment:Jobs:PurgeExpiredData:Cron=0 15 4 * * ?",
            "--Fulfillment:Jobs:SyncProviderServices:Cron=", "--Fulfillment:Jobs:SyncProviderServices:Interval=02:00:00",
        ]))
        {
        }

        Assert.Equal(3000L, await RepeatIntervalAsync(db, JobNames.ResolveConflicts));
        Assert.Equal("0 15 4 * * ?", await CronAsync(db, JobNames.PurgeExpiredData));
        Assert.Null(await CronAsync(db, JobNames.SyncProviderServices));
        Assert.Equal(7_200_000L, await RepeatIntervalAsync(db, JobNames.SyncProviderServices));
        Assert.Equal(unchangedStart, await StartTimeAsync(db, JobNames.CheckProviderBalances));
        // The misfire rules are stored as chosen, not left to Quartz's smart policy.
        Assert.Equal((int)SimpleTriggerMisfireInstruction.NowWithExistingCount, await MisfireAsync(db, JobNames.ResolveConflicts));
        Assert.Equal((int)CronTriggerMisfireInstruction.DoNothing, await MisfireAsync(db, JobNames.PurgeExpiredData));
    }

    [Fact]
    public async Task A_job_this_version_does_not_have_is_removed_from_the_store()
    {
        var db = await databases.CreateAsync();
        var settings = FastEngine.Settings(db, "schedule-retired");
        await using (await StartAsync(settings))
        {
        }

        Assert.Equal(1L, await CountAsync(db, "qrtz_job_details", JobNames.ResolveConflicts));

        // A later version without ResolveConflicts; a job no version ever had is stored by hand beside it.
        var withoutResolveConflicts = new JobCatalog()
            .Add<Fulfillment.Engine.Heartbeat.HeartbeatJob>(JobNames.Heartbeat)
            .Add<Fulfillment.Engine.Dispatch.DispatchOrdersJob>(JobNames.DispatchOrders)
            .Add<Fulfillment.Engine.Tracking.SyncOrderStatusJob>(JobNames.SyncOrderStatus)
            .Add(JobNames.ProcessOrderRequests, typeof(Fulfillment.Engine.Blocking.CloseAccountsJob), typeof(Fulfillment.Engine.Requests.ProcessRequestsJob))
            .Add<Fulfillment.Engine.ProviderWatch.CheckProviderBalancesJob>(JobNames.CheckProviderBalances)
            .Add<Fulfillment.Engine.ProviderWatch.SyncProviderServicesJob>(JobNames.SyncProviderServices)
            .Add<Fulfillment.Engine.Retention.PurgeExpiredDataJob>(JobNames.PurgeExpiredData);
        var host = EngineHost.CreateBuilder(EngineMode.Service, settings, withoutResolveConflicts).Build();
        var scheduler = await host.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        await scheduler.ScheduleJob(
            JobBuilder.Create<Fulfillment.Worker.Jobs.EngineJobRunner>().WithIdentity("RetiredJob").StoreDurably().Build(),
            [TriggerBuilder.Create().WithIdentity("RetiredJob").ForJob("RetiredJob").WithSimpleSchedule(s => s.WithInterval(TimeSpan.FromSeconds(1)).RepeatForever()).Build()],
            ScheduleJobOptions.Replacing);
        Assert.Equal(1L, await CountAsync(db, "qrtz_triggers", "RetiredJob"));

        await using (new RunningEngine(host))
        {
            await host.StartAsync();
        }

        foreach (var table in new[] { "qrtz_job_details", "qrtz_triggers" })
        {
            Assert.Equal(0L, await CountAsync(db, table, JobNames.ResolveConflicts));
            Assert.Equal(0L, await CountAsync(db, table, "RetiredJob"));
        }

        Assert.Equal(1L, await CountAsync(db, "qrtz_triggers", JobNames.DispatchOrders));
    }

    [Fact]
    public async Task The_clustered_trigger_an_earlier_version_stored_for_SyncOrderStatus_is_removed_and_each_instance_fires_it()
    {
        var db = await databases.CreateAsync();
        var settings = FastEngine.Settings(db, "schedule-every-instance");
        var host = EngineHost.CreateBuilder(EngineMode.Service, settings).Build();
        // What an earlier version stored: SyncOrderStatus as a clustered job with its trigger.
        var scheduler = await host.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        await scheduler.ScheduleJob(
            JobBuilder.Create<EngineJobRunner>().WithIdentity(JobNames.SyncOrderStatus).StoreDurably().Build(),
            [TriggerBuilder.Create().WithIdentity(JobNames.SyncOrderStatus).ForJob(JobNames.SyncOrderStatus)
                .WithSimpleSchedule(s => s.WithInterval(TimeSpan.FromSeconds(5)).RepeatForever()).Build()],
            ScheduleJobOptions.Replacing);
        Assert.Equal(1L, await CountAsync(db, "qrtz_triggers", JobNames.SyncOrderStatus));

        await using (var engine = new RunningEngine(host))
        {
            await host.StartAsync();
            Assert.Equal(0L, await CountAsync(db, "qrtz_triggers", JobNames.SyncOrderStatus));
            Assert.Equal(0L, await CountAsync(db, "qrtz_job_details", JobNames.SyncOrderStatus));
            // Every 0.3 s on this instance (FastEngine), with nothing stored.
            await Poll.UntilAsync(() => engine.Runs(JobNames.SyncOrderStatus) >= 3, Patience, () => "SyncOrderStatus did not fire on the instance");
        }

        Assert.Equal(0L, await CountAsync(db, "qrtz_job_details", JobNames.SyncOrderStatus));
    }

    private static async Task<RunningEngine> StartAsync(string[] settings)
    {
        var host = EngineHost.CreateBuilder(EngineMode.Service, settings).Build();
        var engine = new RunningEngine(host);
        await host.StartAsync();
        return engine;
    }

    private static Task<long> CountAsync(string db, string table, string job) =>
        ScalarAsync<long>(db, $"SELECT count(*) FROM {table} WHERE sched_name = 'fulfillment' AND job_name = $1", job);

    private static Task<long?> RepeatIntervalAsync(string db, string job) => ScalarAsync<long?>(db,
        "SELECT repeat_interval FROM qrtz_simple_triggers WHERE sched_name = 'fulfillment' AND trigger_name = $1", job);

    private static Task<string?> CronAsync(string db, string job) => ScalarAsync<string?>(db,
        "SELECT cron_expression FROM qrtz_cron_triggers WHERE sched_name = 'fulfillment' AND trigger_name = $1", job);

    private static Task<long> StartTimeAsync(string db, string job) => ScalarAsync<long>(db,
        "SELECT start_time FROM qrtz_triggers WHERE sched_name = 'fulfillment' AND trigger_name = $1", job);

    private static Task<int> MisfireAsync(string db, string job) => ScalarAsync<int>(db,
        "SELECT misfire_instr FROM qrtz_triggers WHERE sched_name = 'fulfillment' AND trigger_name = $1", job);

    private static async Task<T> ScalarAsync<T>(string db, string sql, params object[] args)
    {
        await using var source = NpgsqlDataSource.Create(db);
        return await new Panel(source).ScalarAsync<T>(sql, args);
    }

    /// <summary>A started Service-mode host, stopped on dispose.</summary>
    private sealed class RunningEngine(IHost host) : IAsyncDisposable
    {
        public long Runs(string job) =>
            host.Services.GetRequiredService<EngineActivity>().Snapshot().GetValueOrDefault(job)?.Runs ?? 0;

        public async ValueTask DisposeAsync()
        {
            await host.StopAsync();
            host.Dispose();
        }
    }
}
