using Fulfillment.Engine.Jobs;
using Fulfillment.Engine.Pricing.Sql;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Fulfillment.Engine.Pricing;

/// <summary>UpdateServiceStats: the average time users are shown per service (service_stats), from its latest finished orders.</summary>
public sealed class UpdateServiceStatsJob(NpgsqlDataSource db, IOptions<StatsOptions> options, TimeProvider clock, ILogger<UpdateServiceStatsJob> logger)
    : IEngineJob
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var refreshed = await ServiceStats.RefreshAsync(db, options.Value.OrdersCounted, clock.GetUtcNow(), cancellationToken);
        if (refreshed > 0)
        {
            logger.LogInformation("Service stats: {Count} service(s) with new finishes refreshed", refreshed);
        }
    }
}
