using Microsoft.Extensions.DependencyInjection;

namespace Fulfillment.Engine.Jobs;

/// <summary>
/// The jobs this build can run, by contract name. Only jobs with logic are here: a contract
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
        .Add<Heartbeat.HeartbeatJob>(JobNames.Heartbeat)
        .Add<Dispatch.DispatchOrdersJob>(JobNames.DispatchOrders)
        .Add<Tracking.SyncOrderStatusJob>(JobNames.SyncOrderStatus)
        .Add<Requests.ProcessOrderRequestsJob>(JobNames.ProcessOrderRequests)
        .Add<Providers.CheckProviderBalancesJob>(JobNames.CheckProviderBalances)
        .Add<Providers.SyncProviderServicesJob>(JobNames.SyncProviderServices)
        .Add<Conflicts.ResolveConflictsJob>(JobNames.ResolveConflicts)
        .Add<Retention.PurgeExpiredDataJob>(JobNames.PurgeExpiredData);

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
