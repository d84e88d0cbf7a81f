using Fulfillment.Engine.Alerts;
using Fulfillment.Engine.Blocking;
using Fulfillment.Engine.Conflicts;
using Fulfillment.Engine.Dispatch;
using Fulfillment.Engine.DripFeed;
using Fulfillment.Engine.Heartbeat;
using Fulfillment.Engine.Jobs;
using Fulfillment.Engine.Partitions;
using Fulfillment.Engine.Pricing;
using Fulfillment.Engine.ProviderWatch;
using Fulfillment.Engine.Requests;
using Fulfillment.Engine.Retention;
using Fulfillment.Engine.Tracking;
using Microsoft.Extensions.DependencyInjection;

namespace Fulfillment.Worker.Jobs;

/// <summary>
/// The jobs this build can run, by contract name (wiring: it names every module's job, so it lives in the host). Only jobs with logic are here: a contract
/// name without an entry is reported by <c>check-config</c> rather than scheduled as a no-op.
/// </summary>
public sealed class JobCatalog
{
    private readonly Dictionary<string, Type[]> _jobs = new(StringComparer.Ordinal);
    private readonly HashSet<string> _onEveryInstance = new(StringComparer.Ordinal);

    /// <summary>Each job's steps, in the order they run (most jobs have one).</summary>
    public IReadOnlyDictionary<string, Type[]> Jobs => _jobs;

    /// <summary>
    /// Jobs every instance fires itself, on its own timer (<see cref="InstanceJobs"/>), instead of one clustered trigger
    /// firing on one instance: each pass claims its share with <c>SKIP LOCKED</c>, so more instances do more of it.
    /// </summary>
    public IReadOnlySet<string> OnEveryInstance => _onEveryInstance;

    public JobCatalog Add<TJob>(string name)
        where TJob : class, IEngineJob => Add(name, typeof(TJob));

    /// <summary>A job each instance runs on its own schedule (<see cref="OnEveryInstance"/>).</summary>
    public JobCatalog AddOnEveryInstance<TJob>(string name)
        where TJob : class, IEngineJob
    {
        Add(name, typeof(TJob));
        _onEveryInstance.Add(name);
        return this;
    }

    /// <summary>A job made of steps that different modules own, run in this order (<see cref="JobSteps"/>).</summary>
    public JobCatalog Add(string name, params Type[] steps)
    {
        if (steps.Length == 0 || steps.Any(s => !typeof(IEngineJob).IsAssignableFrom(s)))
        {
            throw new ArgumentException($"Job {name}: every step must be an {nameof(IEngineJob)}.", nameof(steps));
        }

        _jobs.Add(name, steps);
        return this;
    }

    public static JobCatalog Default { get; } = new JobCatalog()
        .Add<HeartbeatJob>(JobNames.Heartbeat)
        // Emulated drip-feeds first (due runs created, stopped parents closed, ended ones finished), then recovery and dispatch,
        // which sends the runs just created.
        .Add(JobNames.DispatchOrders, typeof(DripFeedJob), typeof(DispatchOrdersJob))
        // Its claim takes due orders with SKIP LOCKED and a lease, so instances check disjoint orders side by side.
        .AddOnEveryInstance<SyncOrderStatusJob>(JobNames.SyncOrderStatus)
        // The orders of blocked and departed accounts closed first, then cancel and refill requests.
        .Add(JobNames.ProcessOrderRequests, typeof(CloseAccountsJob), typeof(ProcessRequestsJob))
        .Add<CheckProviderBalancesJob>(JobNames.CheckProviderBalances)
        .Add<SyncProviderServicesJob>(JobNames.SyncProviderServices)
        .Add<ResolveConflictsJob>(JobNames.ResolveConflicts)
        .Add<PurgeExpiredDataJob>(JobNames.PurgeExpiredData)
        .Add<WatchHealthJob>(JobNames.WatchHealth)
        .Add<ReconcileMoneyJob>(JobNames.ReconcileMoney)
        .Add<UpdateServiceStatsJob>(JobNames.UpdateServiceStats)
        .Add<MaintainPartitionsJob>(JobNames.MaintainPartitions);

    public void Register(IServiceCollection services)
    {
        foreach (var type in _jobs.Values.SelectMany(steps => steps).Distinct())
        {
            services.AddScoped(type);
        }
    }

    public IEngineJob Resolve(IServiceProvider scopedProvider, string name) =>
        _jobs.TryGetValue(name, out var steps)
            ? steps.Length == 1
                ? (IEngineJob)scopedProvider.GetRequiredService(steps[0])
                : new JobSteps([.. steps.Select(s => (IEngineJob)scopedProvider.GetRequiredService(s))])
            : throw new KeyNotFoundException($"No job named '{name}'. Known jobs: {string.Join(", ", _jobs.Keys)}.");
}
