using Fulfillment.Engine.Jobs;

namespace Fulfillment.Engine.Requests;

/// <summary>The cancel and refill requests step of ProcessOrderRequests.</summary>
public sealed class ProcessRequestsJob(RequestProcessor requests) : IEngineJob
{
    public Task RunAsync(CancellationToken cancellationToken) => requests.DrainAsync(cancellationToken);
}
