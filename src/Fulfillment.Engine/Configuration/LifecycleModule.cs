using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Fulfillment.Engine.Configuration;

/// <summary>The settings the lifecycle's decisions read, shared by its stages (their rules: <see cref="LifecycleRules"/>).</summary>
public static class LifecycleModule
{
    public static IServiceCollection AddLifecycleSettings(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DispatchOptions>().BindConfiguration(DispatchOptions.Section);
        services.AddOptions<TrackingOptions>().BindConfiguration(TrackingOptions.Section);
        services.AddOptions<RequestOptions>().BindConfiguration(RequestOptions.Section);
        services.AddOptions<ConflictOptions>().BindConfiguration(ConflictOptions.Section);
        services.AddOptions<ActivationOptions>().BindConfiguration(ActivationOptions.Section);
        services.Configure<PanelOptions>(o => o.PanelCurrency = configuration[PanelOptions.Key] is { Length: > 0 } currency ? currency : new PanelOptions().PanelCurrency);
        return services;
    }
}
