namespace Fulfillment.Engine.Jobs;

/// <summary>The job names of docs/contract.md; each is a key under <c>Fulfillment:Jobs</c>.</summary>
public static class JobNames
{
    public const string DispatchOrders = "DispatchOrders";
    public const string SyncOrderStatus = "SyncOrderStatus";
    public const string ProcessOrderRequests = "ProcessOrderRequests";
    public const string ResolveConflicts = "ResolveConflicts";
    public const string CheckProviderBalances = "CheckProviderBalances";
    public const string SyncProviderServices = "SyncProviderServices";
    public const string PurgeExpiredData = "PurgeExpiredData";
    public const string Heartbeat = "Heartbeat";
    public const string WatchHealth = "WatchHealth";
    public const string ReconcileMoney = "ReconcileMoney";
    public const string UpdateServiceStats = "UpdateServiceStats";
    public const string MaintainPartitions = "MaintainPartitions";

    public static readonly IReadOnlyList<string> Contract =
    [
        DispatchOrders, SyncOrderStatus, ProcessOrderRequests, ResolveConflicts,
        CheckProviderBalances, SyncProviderServices, PurgeExpiredData, Heartbeat, WatchHealth, ReconcileMoney, UpdateServiceStats,
        MaintainPartitions,
    ];
}
