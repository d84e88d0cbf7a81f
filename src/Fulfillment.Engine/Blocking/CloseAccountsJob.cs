using Fulfillment.Engine.Jobs;

namespace Fulfillment.Engine.Blocking;

/// <summary>The first step of ProcessOrderRequests: the orders of blocked accounts, then of departed ones, closed.</summary>
public sealed class CloseAccountsJob(BlockedAccounts blocked, DepartedAccounts departed) : IEngineJob
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await blocked.RunAsync(cancellationToken);
        await departed.RunAsync(cancellationToken);
    }
}
