using Fulfillment.Engine.Conflicts;
using Fulfillment.Engine.Dispatch;
using Fulfillment.Engine.Heartbeat;
using Fulfillment.Engine.Jobs;
using Fulfillment.Engine.ProviderWatch;
using Fulfillment.Engine.Retention;
using Microsoft.Extensions.DependencyInjection;

namespace Fulfillment.Worker.Jobs;

/// <summary>
/// The jobs this build can run, by contract name (wiring: it names every module's job, so it lives in the host). Only jobs with logic are here: a contract
/// name without an entry is reported by <c>check-config</c> rather than scheduled as a no-op.
/// </summary>
public sealed class JobCatalog
{
    private readonly Dictionary<string, Type> _jobs = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, Type> Jobs => _jobs;

    public JobCatalog Add<TJob>(string name)
        where TJob : class, IEngineJob
    {
        _jobs.Add(name, typeof(TJob));
        return this;
    }

    public static JobCatalog Default { get; } = new JobCatalog()
        .Add<HeartbeatJob>(JobNames.Heartbeat)
        .Add<DispatchOrdersWithRunsJob>(JobNames.DispatchOrders)
        .Add<SyncOrderStatusJob>(JobNames.SyncOrderStatus)
        .Add<ProcessOrderRequestsJob>(JobNames.ProcessOrderRequests)
        .Add<CheckProviderBalancesJob>(JobNames.CheckProviderBalances)
        .Add<SyncProviderServicesJob>(JobNames.SyncProviderServices)
        .Add<ResolveConflictsJob>(JobNames.ResolveConflicts)
        .Add<PurgeExpiredDataJob>(JobNames.PurgeExpiredData);

    public void Register(IServiceCollection services)
    {
        foreach (var type in _jobs.Values)
        {
            services.AddScoped(type);
        }
    }

    public IEngineJob Resolve(IServiceProvider scopedProvider, string name) =>
        _jobs.TryGetValue(name, out var type)
            ? (IEngineJob)scopedProvider.GetRequiredService(type)
            : throw new KeyNotFoundException($"No job named '{name}'. Known jobs: {string.Join(", ", _jobs.Keys)}.");
}
