using Fulfillment.Engine.Database;
using Fulfillment.Engine.Jobs;
using Fulfillment.Engine.Lifecycle;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Fulfillment.Engine.Conflicts;

/// <summary>
/// ResolveConflicts: releases held orders whose blocker has finished, and those held by the provider's own same-link refusal
/// once their wait is over (<see cref="HeldReleases"/>). Released orders are checked again at pickup, so a chain on one link
/// runs one order after another, in placement order.
/// </summary>
public sealed class ResolveConflictsJob(NpgsqlDataSource db, TimeProvider clock, ILogger<ResolveConflictsJob> logger) : IEngineJob
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var released = await HeldReleases.ReleaseDueAsync(db, clock.GetUtcNow(), cancellationToken);
        if (released > 0)
        {
            await using var notify = db.CreateCommand($"SELECT pg_notify('{NotifyChannels.Orders}', '')");
            await notify.ExecuteNonQueryAsync(cancellationToken);
            logger.LogInformation("Released {Count} held order(s)", released);
        }
    }
}
