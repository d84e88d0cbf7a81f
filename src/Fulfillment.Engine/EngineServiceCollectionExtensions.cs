using Fulfillment.Engine.Orders;
using Fulfillment.Engine.Retention;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Fulfillment.Engine;

public static class EngineServiceCollectionExtensions
{
    /// <summary>The engine's modules: each registers its options and the services its jobs use.</summary>
    public static IServiceCollection AddEngineModules(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOrderLifecycle(configuration);

        // Retention (PurgeExpiredData); its section is validated by RetentionRules in ConfigurationRules.All.
        services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.Section);
        services.AddScoped<RetentionRunner>();
        return services;
    }
}
