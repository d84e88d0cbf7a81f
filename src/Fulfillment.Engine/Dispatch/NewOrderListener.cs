using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Fulfillment.Engine.Dispatch;

/// <summary>
/// LISTENs for place_order's NOTIFY and dispatches at once, so a new order reaches its provider
/// within milliseconds. Notifications arriving during a pass coalesce into one more pass.
/// </summary>
public sealed class NewOrderListener(
    NpgsqlDataSource db,
    OrderDispatcher dispatcher,
    IOptions<DispatchOptions> options,
    ILogger<NewOrderListener> logger) : BackgroundService
{
    public const string Channel = "fulfillment_orders";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.ListenForNewOrders)
        {
            return;
        }

        var wake = new SemaphoreSlim(0, 1);
        var worker = DispatchOnWakeAsync(wake, stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await db.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, _) => Signal(wake);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                // Orders placed while we were not listening.
                Signal(wake);
                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Listening for new orders failed; retrying in 5 s (the DispatchOrders schedule still runs)");
                await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }

        await worker;
    }

    private static void Signal(SemaphoreSlim wake)
    {
        try
        {
            wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // A pass is already due; it will see this order too.
        }
    }

    private async Task DispatchOnWakeAsync(SemaphoreSlim wake, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await wake.WaitAsync(stoppingToken);
                await dispatcher.DrainAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (NpgsqlException ex) when (ex.IsTransient)
            {
                // A deadlock victim or a dropped connection: a claim rolled back, or claimed orders not yet
                // sent went back to pending; outcomes that could not be stored are recovered after AbandonedAfter.
                logger.LogWarning("Dispatch after a new-order notification failed ({Error}); retrying on the next notification or schedule", ex.Message);
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Dispatch after a new-order notification failed; the DispatchOrders schedule will retry");
            }
        }
    }
}
