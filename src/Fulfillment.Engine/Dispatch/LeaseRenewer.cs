using Fulfillment.Engine.Configuration;
using Fulfillment.Engine.Dispatch.Sql;
using Fulfillment.Engine.Heartbeat;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Fulfillment.Engine.Dispatch;

/// <summary>
/// While a pass holds orders, their lease is renewed a few times per AbandonedAfter, so recovery never takes an order whose add is
/// queued or in flight here (a rate-limited provider may hold a batch for minutes). An order this instance stops renewing, because
/// its outcome could not be recorded, is recovered after AbandonedAfter.
/// </summary>
public sealed class LeaseRenewer(NpgsqlDataSource db, HeldOrders held, InstanceIdentity identity, IOptions<DispatchOptions> options, TimeProvider clock,
    ILogger<LeaseRenewer> logger)
{
    public async Task RunAsync(CancellationToken stop)
    {
        var every = options.Value.AbandonedAfter / 4;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(every, clock, stop);
                if (held.Snapshot() is { Length: > 0 } orders)
                {
                    await RenewAsync(orders, stop);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task RenewAsync(long[] orders, CancellationToken stop)
    {
        try
        {
            await RenewLeases.RenewAsync(db, identity.Id, orders, clock.GetUtcNow(), stop);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            logger.LogWarning("Renewing the lease of {Count} order(s) being dispatched failed ({Error}); trying again", orders.Length, ex.Message);
        }
    }
}
