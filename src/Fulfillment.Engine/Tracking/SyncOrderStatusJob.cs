using Fulfillment.Engine.Jobs;

namespace Fulfillment.Engine.Tracking;

/// <summary>SyncOrderStatus: checks every due in-progress order with its provider (SMM orders, then SMS activations).</summary>
public sealed class SyncOrderStatusJob(StatusTracker tracker, ActivationTracker activations) : IEngineJob
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await tracker.DrainAsync(cancellationToken);
        await activations.DrainAsync(cancellationToken);
    }
}
