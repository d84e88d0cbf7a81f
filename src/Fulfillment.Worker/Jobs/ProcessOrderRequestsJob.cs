using Fulfillment.Engine.Blocking;
using Fulfillment.Engine.Jobs;
using Fulfillment.Engine.Requests;

namespace Fulfillment.Worker.Jobs;

/// <summary>ProcessOrderRequests (in the host: it runs two modules): consequences of blocked accounts first, then cancel and refill requests.</summary>
public sealed class ProcessOrderRequestsJob(BlockedAccounts blocked, RequestProcessor requests) : IEngineJob
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await blocked.RunAsync(cancellationToken);
        await requests.DrainAsync(cancellationToken);
    }
}
