using Fulfillment.Engine.Jobs;

namespace Fulfillment.Engine.Tracking;

/// <summary>SyncOrderStatus: checks every due in-progress order with its provider.</summary>
public sealed class SyncOrderStatusJob(StatusTracker tracker) : IEngineJob
{
    public Task RunAsync(CancellationToken cancellationToken) => tracker.DrainAsync(cancellationToken);
}
