using Fulfillment.Engine.Configuration;
using Fulfillment.Engine.Lifecycle.Decisions;
using Fulfillment.Engine.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Fulfillment.Engine.DripFeed;

/// <summary>
/// Drip-feed the engine runs itself: looks at every running emulated parent that is due, creates its next run when it is
/// due (dispatch sends it like any order), stops a canceled or blocked one, aggregates its progress and finishes it, with
/// its one refund, once its runs have ended. Runs in the DispatchOrders job, before dispatch.
/// </summary>
public sealed class DripFeedRunner(
    DripFeedPass store,
    IOptions<DripFeedOptions> options,
    EngineMetrics metrics,
    TimeProvider clock,
    ILogger<DripFeedRunner> logger)
{
    /// <summary>Passes until no parent is due; returns how many were looked at.</summary>
    public async Task<int> RunAsync(CancellationToken ct)
    {
        var total = 0;
        while (!ct.IsCancellationRequested)
        {
            var o = options.Value;
            var settings = new DripFeedSettings(o.IntervalUnit, o.CheckInterval, o.MaxFailedRunsInARow);
            var now = clock.GetUtcNow();
            var result = await store.AdvanceAsync(o.BatchSize, now, parent => DripFeedRuns.Decide(parent, settings, now), ct);
            total += result.Parents;
            metrics.Finished(result.ParentsFinished.Select(f => f.Status));
            if (result.RunsCreated + result.ParentsFinished.Count + result.Stopping > 0)
            {
                logger.LogInformation("Drip-feed: {Parents} order(s) looked at, {Runs} run(s) created, {Finished} finished, {Stopping} stopping",
                    result.Parents, result.RunsCreated, result.ParentsFinished.Count, result.Stopping);
            }

            if (result.Parents < o.BatchSize)
            {
                break;
            }
        }

        return total;
    }
}
