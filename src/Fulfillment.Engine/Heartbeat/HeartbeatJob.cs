using Fulfillment.Engine.Configuration;
using Fulfillment.Engine.Jobs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Fulfillment.Engine.Heartbeat;

/// <summary>
/// The cluster-wide half of the heartbeat: removes the rows of instances that stopped
/// heartbeating (killed, crashed), so the panel's admin page shows only live engines.
/// </summary>
public sealed class HeartbeatJob(
    HeartbeatStore store,
    IOptions<EngineOptions> options,
    TimeProvider clock,
    ILogger<HeartbeatJob> logger) : IEngineJob
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var removed = await store.RemoveStaleAsync(clock.GetUtcNow() - options.Value.StaleInstanceAfter, cancellationToken);
        foreach (var (id, host) in removed)
        {
            logger.LogWarning("Engine instance {InstanceId} on {Host} stopped heartbeating; its row was removed", id, host);
        }
    }
}
