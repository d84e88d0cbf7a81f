using Fulfillment.Engine.Configuration;
using Fulfillment.Engine.Dispatch.Sql;
using Fulfillment.Engine.Jobs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Fulfillment.Engine.Dispatch;

/// <summary>
/// DispatchOrders: recovers orders abandoned mid-dispatch by a stopped engine, then sends every due
/// pending order. The NOTIFY listener does the same within milliseconds; this is the safety net.
/// </summary>
public sealed class DispatchOrdersJob(
    DispatchPass dispatcher,
    DispatchSummary summary,
    NpgsqlDataSource db,
    IOptions<EngineOptions> engine,
    IOptions<DispatchOptions> options,
    TimeProvider clock,
    ILogger<DispatchOrdersJob> logger) : IEngineJob
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var (requeued, review) = await RecoverAbandoned.RecoverAsync(db,
            now - engine.Value.StaleInstanceAfter, now - options.Value.AbandonedAfter, now, cancellationToken);
        if (requeued + review > 0)
        {
            logger.LogWarning("Recovered orders abandoned by a stopped engine: {Requeued} never sent (back to pending), {Review} possibly sent (to review)",
                requeued, review);
        }

        await dispatcher.DrainAsync(cancellationToken);
        summary.FlushIfDue();
    }
}
