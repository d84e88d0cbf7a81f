using Fulfillment.Engine.Blocking;
using Fulfillment.Engine.Jobs;

namespace Fulfillment.Engine.Requests;

/// <summary>ProcessOrderRequests: consequences of blocked accounts first, then cancel and refill requests.</summary>
public sealed class ProcessOrderRequestsJob(BlockedAccounts blocked, RequestProcessor requests) : IEngineJob
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await blocked.RunAsync(cancellationToken);
        await requests.DrainAsync(cancellationToken);
    }
}
