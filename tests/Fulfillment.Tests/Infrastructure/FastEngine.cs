namespace Fulfillment.Tests.Infrastructure;

/// <summary>Settings for a Service-mode engine that reacts in fractions of a second, for tests that run whole instances.</summary>
public static class FastEngine
{
    public static string[] Settings(string connectionString, string name) =>
    [
        $"--ConnectionStrings:Panel={connectionString}",
        $"--Fulfillment:Engine:InstanceName={name}",
        "--Serilog:MinimumLevel:Default=Error",
        "--Fulfillment:Engine:HeartbeatInterval=00:00:00.5",
        "--Fulfillment:Scheduler:CheckinInterval=00:00:01",
        "--Fulfillment:Jobs:DispatchOrders:Interval=00:00:01",
        "--Fulfillment:Jobs:SyncOrderStatus:Interval=00:00:00.3",
        "--Fulfillment:Jobs:ProcessOrderRequests:Interval=00:00:05",
        "--Fulfillment:Jobs:CheckProviderBalances:Enabled=false",
        "--Fulfillment:Jobs:SyncProviderServices:Enabled=false",
        "--Fulfillment:Jobs:PurgeExpiredData:Enabled=false",
        "--Fulfillment:Tracking:FirstCheckAfter=00:00:00.5",
        "--Fulfillment:Tracking:MinInterval=00:00:00.3",
        "--Fulfillment:Tracking:MaxInterval=00:00:01",
        "--Fulfillment:Dispatch:RetryBackoffMin=00:00:00.2",
        "--Fulfillment:Dispatch:RetryBackoffMax=00:00:01",
        "--Fulfillment:Providers:Defaults:Timeout=00:00:02",
        "--Fulfillment:Providers:Defaults:RetryBaseDelay=00:00:00.05",
        "--Fulfillment:Providers:Defaults:CircuitBreakerFailureRatio=0.9",
        // WatchHealth runs, on the same compressed time, but add errors quarantine no route: at the default five an hour, a
        // simulator that loses a tenth of its answers on purpose would keep the soak's only route in quarantine most of the time
        // (the kill loop runs that case, with a second provider to fail over to). Cooldowns of seconds for the other triggers.
        "--Fulfillment:Jobs:WatchHealth:Interval=00:00:01",
        "--Fulfillment:Quarantine:ErrorsPerHour=100000",
        "--Fulfillment:Quarantine:Cooldowns:0=00:00:02",
        "--Fulfillment:Quarantine:Cooldowns:1=00:00:04",
        "--Fulfillment:Quarantine:Cooldowns:2=00:00:08",
    ];
}
