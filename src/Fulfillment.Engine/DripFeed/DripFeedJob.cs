using Fulfillment.Engine.Jobs;

namespace Fulfillment.Engine.DripFeed;

/// <summary>The drip-feed step of DispatchOrders: every due emulated parent advanced, before dispatch sends the runs it created.</summary>
public sealed class DripFeedJob(DripFeedRunner runner) : IEngineJob
{
    public Task RunAsync(CancellationToken cancellationToken) => runner.RunAsync(cancellationToken);
}
