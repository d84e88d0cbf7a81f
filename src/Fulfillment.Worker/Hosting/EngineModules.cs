using Fulfillment.Engine.Blocking;
using Fulfillment.Engine.Configuration;
using Fulfillment.Engine.Dispatch;
using Fulfillment.Engine.DripFeed;
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
    /// <summary>The engine's modules: their options and the services their jobs use.</summary>
    public static IServiceCollection AddEngineModules(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<DispatchOptions>().BindConfiguration(DispatchOptions.Section);
        services.AddOptions<TrackingOptions>().BindConfiguration(TrackingOptions.Section);
        services.AddOptions<RequestOptions>().BindConfiguration(RequestOptions.Section);
        services.AddOptions<ProviderSyncOptions>().BindConfiguration(ProviderSyncOptions.Section);
        services.AddOptions<ConflictOptions>().BindConfiguration(ConflictOptions.Section);
        services.AddOptions<ActivationOptions>().BindConfiguration(ActivationOptions.Section);
        services.AddOptions<DripFeedOptions>().BindConfiguration(DripFeedOptions.Section);
        services.AddProviderClients(configuration);
        services.AddMetrics();
        services.AddSingleton<EngineMetrics>();

        services.Configure<PanelOptions>(o => o.PanelCurrency = configuration[PanelOptions.Key] is { Length: > 0 } currency ? currency : new PanelOptions().PanelCurrency);
        services.AddSingleton<HeldOrders>();
        services.AddSingleton<DispatchClaim>();
        services.AddSingleton<AddSender>();
        services.AddSingleton<OutcomeRecorder>();
        services.AddSingleton<LeaseRenewer>();
        services.AddSingleton<DispatchPass>();
        // DispatchOrders runs drip-feeds, then dispatch (Jobs/DispatchOrdersWithRunsJob): the dispatch half is resolved by it.
        services.AddScoped<DispatchOrdersJob>();
        services.AddSingleton<DripFeedPass>();
        services.AddSingleton<DripFeedRunner>();
        services.AddSingleton<TrackingStore>();
        services.AddSingleton<StatusTracker>();
        services.AddSingleton<ActivationTracker>();
        services.AddSingleton<RequestStore>();
        services.AddSingleton<RequestProcessor>();
        services.AddSingleton<BlockedAccounts>();
        services.AddSingleton<DepartedAccounts>();
        services.AddSingleton<ProviderStore>();

        // Retention (PurgeExpiredData); its section is validated by RetentionRules in ConfigurationRules.All.
        services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.Section);
        services.AddScoped<RetentionRunner>();
        return services;
    }

    /// <summary>The per-instance listener that dispatches new orders within milliseconds (service mode only).</summary>
    public static IServiceCollection AddNewOrderListener(this IServiceCollection services) =>
        services.AddHostedService<NewOrderListener>();
}
