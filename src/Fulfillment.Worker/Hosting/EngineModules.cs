using Fulfillment.Engine.Alerts;
using Fulfillment.Engine.Blocking;
using Fulfillment.Engine.Configuration;
using Fulfillment.Engine.Dispatch;
using Fulfillment.Engine.DripFeed;
using Fulfillment.Engine.Pricing;
using Fulfillment.Engine.ProviderWatch;
using Fulfillment.Engine.Requests;
using Fulfillment.Engine.Retention;
using Fulfillment.Engine.Telemetry;
using Fulfillment.Engine.Tracking;
using Fulfillment.Providers;
using Fulfillment.Worker.Configuration;

namespace Fulfillment.Worker.Hosting;

/// <summary>
/// The wiring of the engine's modules, in the host: the modules depend on the lifecycle module, not
/// on each other, and only the host knows them all.
/// </summary>
public static class EngineModules
{
    /// <summary>The engine's modules: their options and the services their jobs use (each module registers its own).</summary>
    public static IServiceCollection AddEngineModules(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddLifecycleSettings(configuration);
        services.AddProviderClients(configuration);
        services.AddMetrics();
        services.AddSingleton<EngineMetrics>();
        return services
            .AddDispatch()
            .AddDripFeed()
            .AddTracking()
            .AddRequests()
            .AddBlocking()
            .AddProviderWatch()
            .AddRetention()
            .AddAlerts()
            .AddPricing();
    }

    /// <summary>The per-instance listener that dispatches new orders within milliseconds (service mode only).</summary>
    public static IServiceCollection AddNewOrderListener(this IServiceCollection services) => DispatchModule.AddNewOrderListener(services);
}
