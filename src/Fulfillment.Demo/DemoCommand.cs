using System.Diagnostics;
using Fulfillment.Engine.Configuration;
using Fulfillment.LocalPostgres;
using Fulfillment.Simulator;
using Fulfillment.Worker.Cli;
using Fulfillment.Worker.Hosting;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Fulfillment.Demo;

/// <summary>
/// The demo, the newcomer's first command. A throwaway PostgreSQL (found like the tests find
/// one), the simulator, demo users, providers and services, a few hundred mixed orders driven to
/// completion by the real engine, a summary, and everything removed afterwards. Its own project, so
/// the engine's binary carries neither the simulator (ASP.NET Core) nor Testcontainers; the engine's
/// <c>demo</c> verb starts this one (<see cref="DemoLauncher"/>).
/// </summary>
public static class DemoCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        Console.WriteLine("Fulfillment demo: finding or starting a throwaway PostgreSQL...");
        await using var server = await PostgresServer.StartAsync(message => Console.WriteLine("  " + message));
        var database = $"fulfillment_demo_{Guid.NewGuid():N}"[..32];
        var connectionString = await server.CreateDatabaseAsync(database);
        try
        {
            return await RunOnAsync(connectionString, args);
        }
        finally
        {
            await server.DropDatabaseAsync(database);
            Console.WriteLine("Demo database removed.");
        }
    }

    private static async Task<int> RunOnAsync(string connectionString, string[] args)
    {
        await SchemaMigrator.MigrateAsync(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString, new SchedulerOptions().TablePrefix);

        await using var simulator = await ProviderSimulator.StartAsync(FirstProvider());
        await using var backup = await ProviderSimulator.StartAsync(BackupProvider());
        simulator.DisableService(DemoData.WithdrawnUpstream);
        await using var subscriptions = await ProviderSimulator.StartAsync(SubscriptionsProvider());
        Console.WriteLine($"Simulated providers at {simulator.ApiUrl}, {backup.ApiUrl} (the backup route) and {subscriptions.ApiUrl} (subscriptions)");
        await using var data = NpgsqlDataSource.Create(connectionString);
        var seed = await DemoData.SeedAsync(data, simulator.ApiUrl, backup.ApiUrl, subscriptions.ApiUrl);

        using var host = EngineHost.CreateBuilder(EngineMode.Service, EngineArguments(connectionString, args)).Build();
        await host.StartAsync();
        try
        {
            return await PlaceAndSettleAsync(data, seed, [simulator, backup, subscriptions]);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    /// <summary>The first provider, fifteen times faster than life, with partial and canceled orders and a few injected faults.</summary>
    private static SimulatorSettings FirstProvider() => new()
    {
        ApiKey = "demo-key",
        Seed = 2026,
        SpeedFactor = 15,
        PartialProbability = 0.1,
        CanceledProbability = 0.05,
        FaultRate = 0.02,
        LatencyMax = TimeSpan.FromMilliseconds(30),
        RefillDuration = TimeSpan.FromSeconds(1),
    };

    /// <summary>
    /// A second provider, the backup route of two services: the first provider has stopped offering one of them,
    /// so its order fails over (the summary shows the move).
    /// </summary>
    private static SimulatorSettings BackupProvider() => new()
    {
        ApiKey = "backup-key",
        Seed = 2027,
        SpeedFactor = 15,
        PartialProbability = 0.1,
        LatencyMax = TimeSpan.FromMilliseconds(30),
    };

    /// <summary>Subscriptions at a steady provider of their own: a fault injected into their add would send them to review.</summary>
    private static SimulatorSettings SubscriptionsProvider() => new()
    {
        ApiKey = "demo-key",
        Seed = 2028,
        SpeedFactor = 15,
        LatencyMax = TimeSpan.FromMilliseconds(30),
    };

    /// <summary>The engine's settings for the demo: every job and check in seconds, so the orders settle in a minute or two.</summary>
    private static string[] EngineArguments(string connectionString, string[] args) =>
    [
        $"--ConnectionStrings:Panel={connectionString}",
        // Warnings (injected provider faults) would scramble the progress line; errors still show.
        "--Serilog:MinimumLevel:Default=Error",
        "--Fulfillment:Engine:InstanceName=demo",
        "--Fulfillment:Engine:HeartbeatInterval=00:00:01",
        "--Fulfillment:Scheduler:CheckinInterval=00:00:02",
        "--Fulfillment:Jobs:DispatchOrders:Interval=00:00:01",
        "--Fulfillment:Jobs:SyncOrderStatus:Interval=00:00:00.5",
        "--Fulfillment:Jobs:ProcessOrderRequests:Interval=00:00:01",
        "--Fulfillment:Jobs:ResolveConflicts:Interval=00:00:01",
        "--Fulfillment:Jobs:PurgeExpiredData:Enabled=false",
        // Service lists read, alerts stated and average times computed every few seconds, so the summary shows prices moving and alerts.
        "--Fulfillment:Jobs:SyncProviderServices:Cron=",
        "--Fulfillment:Jobs:SyncProviderServices:Interval=00:00:03",
        "--Fulfillment:Jobs:WatchHealth:Interval=00:00:02",
        "--Fulfillment:Jobs:UpdateServiceStats:Interval=00:00:02",
        // The simulator loses a few answers on purpose; a route is not quarantined for them here, or its last orders would wait out the cooldown.
        "--Fulfillment:Quarantine:ErrorsPerHour=1000",
        "--Fulfillment:Tracking:FirstCheckAfter=00:00:01",
        "--Fulfillment:Tracking:MinInterval=00:00:00.5",
        "--Fulfillment:Tracking:MaxInterval=00:00:02",
        "--Fulfillment:Tracking:SubscriptionMinInterval=00:00:00.5",
        "--Fulfillment:Tracking:SubscriptionMaxInterval=00:00:02",
        "--Fulfillment:Requests:RefillCheckInterval=00:00:01",
        "--Fulfillment:Requests:Lease=00:00:05",
        "--Fulfillment:Dispatch:RetryBackoffMin=00:00:01",
        "--Fulfillment:Dispatch:RetryBackoffMax=00:00:05",
        // A drip-feed minute lasts a second here, so the demo's drip-feed runs its runs in seconds.
        "--Fulfillment:DripFeed:IntervalUnit=00:00:01",
        "--Fulfillment:DripFeed:CheckInterval=00:00:00.5",
        .. args,
    ];

    /// <returns>0 when every order settled in time, 1 otherwise.</returns>
    private static async Task<int> PlaceAndSettleAsync(NpgsqlDataSource data, DemoData.Seed seed, IReadOnlyList<ProviderSimulator> simulators)
    {
        var clock = Stopwatch.StartNew();
        var placed = await DemoData.PlaceOrdersAsync(data, seed);
        Console.WriteLine($"Placed {placed} orders (same-link pairs, a package, custom comments, an emulated drip-feed, two subscriptions, a cancel, " +
            "a refill on the way, one whose provider no longer offers its service; two services priced by markup).");
        var settled = await DemoData.WaitUntilSettledAsync(data, seed, TimeSpan.FromSeconds(100), () => DemoData.MoveRatesAsync(data, simulators[0]));
        Console.WriteLine();
        await DemoSummary.PrintAsync(data, simulators, seed, clock.Elapsed, settled);
        return settled ? 0 : 1;
    }
}
