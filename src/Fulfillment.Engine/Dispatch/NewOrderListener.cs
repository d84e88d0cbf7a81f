using Fulfillment.Engine.Configuration;
using Fulfillment.Engine.Database;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Fulfillment.Engine.Dispatch;

/// <summary>
/// LISTENs for place_order's NOTIFY and dispatches at once, so a new order reaches its provider
/// within milliseconds. Notifications arriving during a pass coalesce into one more pass. A lost
/// connection (a database restart or failover) is re-established with a back-off, and every LISTEN
/// is followed by one pass for the orders placed while nobody listened.
/// </summary>
public sealed class NewOrderListener(
    NpgsqlDataSource db,
    DispatchPass dispatcher,
    DatabaseAvailability availability,
    IOptions<DispatchOptions> options,
    TimeProvider clock,
    ILogger<NewOrderListener> logger) : BackgroundService
{
    public const string Channel = NotifyChannels.Orders;

    // The first retry is quick (a connection cut by a restart usually finds the server back within a
    // second or two); then doubling, capped so an order placed during a long outage waits at most this
    // long after the database is back. One connection attempt per instance every 5 s costs the server nothing.
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(5);

    // A failover can leave the socket half-open: no reset ever arrives and a wait on it never ends. After
    // this long without a notification a statement checks that the server is still at the other end.
    private static readonly TimeSpan KeepaliveAfter = TimeSpan.FromSeconds(30);
    private const int KeepaliveTimeoutSeconds = 10;
    private const string KeepaliveSql = "SELECT 1 -- new-order listener keepalive";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.ListenForNewOrders)
        {
            return;
        }

        var wake = new SemaphoreSlim(0, 1);
        var worker = DispatchOnWakeAsync(wake, stoppingToken);
        var retry = FirstRetry;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ListenAsync(wake, () => retry = FirstRetry, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                if (!availability.Report(ex, "The new-order listener"))
                {
                    logger.LogWarning(ex, "Listening for new orders failed; retrying in {Retry} (the DispatchOrders schedule still runs)", retry);
                }

                await Task.Delay(retry, clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
                retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, MaxRetry.Ticks));
            }
        }

        await worker;
    }

    /// <summary>
    /// One connection's life: LISTEN, a pass for the orders placed while nobody listened, then notifications until the connection
    /// fails or the engine stops, with a keepalive when none arrives for a while.
    /// </summary>
    private async Task ListenAsync(SemaphoreSlim wake, Action listening, CancellationToken stoppingToken)
    {
        await using var connection = await db.OpenConnectionAsync(stoppingToken);
        connection.Notification += (_, _) =>
        {
            // A pass waiting for adds in flight claims this order at once; an idle listener starts one.
            dispatcher.Nudge();
            Signal(wake);
        };
        await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
        {
            await listen.ExecuteNonQueryAsync(stoppingToken);
        }

        availability.ReportReachable();
        listening();
        Signal(wake);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (!await connection.WaitAsync(KeepaliveAfter, stoppingToken))
                {
                    await using var keepalive = new NpgsqlCommand(KeepaliveSql, connection) { CommandTimeout = KeepaliveTimeoutSeconds };
                    await keepalive.ExecuteScalarAsync(stoppingToken);
                }
            }
        }
        finally
        {
            await UnlistenAsync(connection);
        }
    }

    /// <summary>
    /// A connection still usable goes back to the pool, which does not reset it (No Reset On Close): it must not go on
    /// listening there, where nobody reads what the server queues for it. Best effort: a broken one is not pooled.
    /// </summary>
    private static async Task UnlistenAsync(NpgsqlConnection connection)
    {
        if (connection.FullState != System.Data.ConnectionState.Open)
        {
            return;
        }

        try
        {
            await using var unlisten = new NpgsqlCommand("UNLISTEN *", connection) { CommandTimeout = KeepaliveTimeoutSeconds };
            await unlisten.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            // The connection is broken and will not be reused.
        }
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
            catch (Exception ex)
            {
                // A lost contact is logged once by DatabaseAvailability; the listener's next LISTEN signals another pass.
                if (availability.Report(ex, "Dispatch after a new-order notification"))
                {
                    continue;
                }

                if (ex is NpgsqlException { IsTransient: true })
                {
                    // A deadlock victim or a dropped connection: a claim rolled back, or claimed orders not yet
                    // sent went back to pending; outcomes that could not be stored are recovered after AbandonedAfter.
                    logger.LogWarning("Dispatch after a new-order notification failed ({Error}); retrying on the next notification or schedule", ex.Message);
                }
                else
                {
                    logger.LogError(ex, "Dispatch after a new-order notification failed; the DispatchOrders schedule will retry");
                }
            }
        }
    }
}
