using Microsoft.Extensions.DependencyInjection;

namespace Fulfillment.Engine.ProviderWatch;

/// <summary>Providers' balances, service lists and health (rules: <see cref="ProviderConfiguration"/>).</summary>
public static class ProviderWatchModule
{
    public static IServiceCollection AddProviderWatch(this IServiceCollection services)
    {
        services.AddOptions<ProviderSyncOptions>().BindConfiguration(ProviderSyncOptions.Section);
        return services.AddSingleton<ProviderStore>().AddSingleton<ServiceListStore>();
    }
}
