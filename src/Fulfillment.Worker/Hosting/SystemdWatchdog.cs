using System.Globalization;
using Fulfillment.Engine.Configuration;
using Fulfillment.Engine.Heartbeat;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Options;

namespace Fulfillment.Worker.Hosting;

/// <summary>
/// Keeps systemd's watchdog (<c>WatchdogSec</c> in the unit) fed, but only with heartbeats that reached
/// the database: an engine that is hung, or has not reached its database for that long, is restarted by
/// systemd. Without a watchdog (no <c>WATCHDOG_USEC</c>, or not under systemd) it does nothing.
/// </summary>
public sealed class SystemdWatchdog : IHeartbeatObserver
{
    private static readonly ServiceState Ping = new("WATCHDOG=1");
    private readonly ISystemdNotifier? _notifier;
    private readonly ILogger<SystemdWatchdog> _logger;
    private int _failing;

    public SystemdWatchdog(ISystemdNotifier notifier, IOptions<EngineOptions> options, ILogger<SystemdWatchdog> logger)
    {
        _logger = logger;
        Timeout = WatchdogTimeout();
        _notifier = notifier.IsEnabled && Timeout is not null ? notifier : null;
        if (_notifier is null)
        {
            return;
        }

        var interval = options.Value.HeartbeatInterval;
        logger.LogInformation("systemd watchdog: {Timeout}, fed by every heartbeat that reaches the database (every {Interval})", Timeout, interval);
        if (Timeout < interval * 3)
        {
            logger.LogWarning("The systemd watchdog ({Timeout}) is shorter than three heartbeats ({Interval} each): one slow heartbeat restarts the engine. Raise WatchdogSec or lower Fulfillment:Engine:HeartbeatInterval",
                Timeout, interval);
        }
    }

    /// <summary>WatchdogSec as systemd passes it (WATCHDOG_USEC, for this process: WATCHDOG_PID unset or ours), or null.</summary>
    public TimeSpan? Timeout { get; }

    public void HeartbeatReachedDatabase(DateTimeOffset at)
    {
        try
        {
            _notifier?.Notify(Ping);
            Interlocked.Exchange(ref _failing, 0);
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or IOException or ObjectDisposedException)
        {
            // Not a heartbeat failure: the database was reached. Logged once until a ping gets through again.
            if (Interlocked.Exchange(ref _failing, 1) == 0)
            {
                _logger.LogWarning(ex, "Could not ping the systemd watchdog; systemd will restart the engine if this goes on");
            }
        }
    }

    private static TimeSpan? WatchdogTimeout()
    {
        var pid = Environment.GetEnvironmentVariable("WATCHDOG_PID");
        if (!string.IsNullOrEmpty(pid) && pid != Environment.ProcessId.ToString(CultureInfo.InvariantCulture))
        {
            return null;
        }

        return long.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), NumberStyles.None, CultureInfo.InvariantCulture, out var usec) && usec > 0
            ? TimeSpan.FromMicroseconds(usec)
            : null;
    }
}
