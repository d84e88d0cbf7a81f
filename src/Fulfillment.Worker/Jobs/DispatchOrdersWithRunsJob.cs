using System.Runtime.ExceptionServices;
using Fulfillment.Engine.Dispatch;
using Fulfillment.Engine.DripFeed;
using Fulfillment.Engine.Jobs;

namespace Fulfillment.Worker.Jobs;

/// <summary>
/// DispatchOrders (in the host: it runs two modules): emulated drip-feeds first (due runs created, stopped parents
/// stopped, ended parents finished and refunded), then recovery and dispatch, which sends the runs just created.
/// Dispatch runs even when the drip-feed pass failed: every other order must not wait on it; the failure is raised after.
/// </summary>
public sealed class DispatchOrdersWithRunsJob(DripFeedRunner dripFeed, DispatchOrdersJob dispatch) : IEngineJob
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        ExceptionDispatchInfo? failed = null;
        try
        {
            await dripFeed.RunAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            failed = ExceptionDispatchInfo.Capture(ex);
        }

        await dispatch.RunAsync(cancellationToken);
        failed?.Throw();
    }
}
