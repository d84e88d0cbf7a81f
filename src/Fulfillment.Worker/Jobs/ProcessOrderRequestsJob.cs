using Fulfillment.Engine.Blocking;
using Fulfillment.Engine.Jobs;
using Fulfillment.Engine.Requests;

namespace Fulfillment.Worker.Jobs;

/// <summary>
/// ProcessOrderRequests (in the host: it runs two modules): the orders of blocked and departed accounts closed first, then cancel and
/// refill requests.
/// </summary>
public sealed class ProcessOrderRequestsJob(BlockedAccounts blocked, DepartedAccounts departed, RequestProcessor requests) : IEngineJob
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await blocked.RunAsync(cancellationToken);
        await departed.RunAsync(cancellationToken);
        await requests.DrainAsync(cancellationToken);
    }
}
