using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Fulfillment.Engine;

public static class EngineServiceCollectionExtensions
{
    /// <summary>The engine's modules: each registers its options and the services its jobs use.</summary>
    public static IServiceCollection AddEngineModules(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return services;
    }
}
