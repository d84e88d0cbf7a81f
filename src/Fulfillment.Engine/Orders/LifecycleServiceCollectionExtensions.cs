using Fulfillment.Engine.Activations;
using Fulfillment.Engine.Blocking;
using Fulfillment.Engine.Conflicts;
using Fulfillment.Engine.Dispatch;
using Fulfillment.Engine.Providers;
using Fulfillment.Engine.Requests;
using Fulfillment.Engine.Telemetry;
using Fulfillment.Engine.Tracking;
using Fulfillment.Providers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Fulfillment.Engine.Orders;

public static class LifecycleServiceCollectionExtensions
{
    /// <summary>The order lifecycle: dispatch, tracking, requests, blocked accounts, provider health.</summary>
    public static IServiceCollection AddOrderLifecycle(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DispatchOptions>().BindConfiguration(DispatchOptions.Section);
        services.AddOptions<TrackingOptions>().BindConfiguration(TrackingOptions.Section);
        services.AddOptions<RequestOptions>().BindConfiguration(RequestOptions.Section);
        services.AddOptions<ProviderSyncOptions>().BindConfiguration(ProviderSyncOptions.Section);
        services.AddOptions<ConflictOptions>().BindConfiguration(ConflictOptions.Section);
        services.AddOptions<ActivationOptions>().BindConfiguration(ActivationOptions.Section);
        services.AddProviderClients(configuration);
        services.AddMetrics();
        services.AddSingleton<EngineMetrics>();

        services.AddSingleton<DispatchStore>();
        services.AddSingleton<OrderDispatcher>();
        services.AddSingleton<TrackingStore>();
        services.AddSingleton<StatusTracker>();
        services.AddSingleton<ActivationDispatch>();
        services.AddSingleton<ActivationTracker>();
        services.AddSingleton<RequestStore>();
        services.AddSingleton<RequestProcessor>();
        services.AddSingleton<BlockedAccounts>();
        services.AddSingleton<ProviderStore>();
        return services;
    }

    /// <summary>The per-instance listener that dispatches new orders within milliseconds (service mode only).</summary>
    public static IServiceCollection AddNewOrderListener(this IServiceCollection services) =>
        services.AddHostedService<NewOrderListener>();
}
