using Microsoft.Extensions.DependencyInjection;

namespace Fulfillment.Engine.Tracking;

/// <summary>Status tracking of SMM orders and SMS activations, the SyncOrderStatus job.</summary>
public static class TrackingModule
{
    public static IServiceCollection AddTracking(this IServiceCollection services) => services
        .AddSingleton<TrackingStore>()
        .AddSingleton<StatusTracker>()
        .AddSingleton<ActivationTracker>();
}
