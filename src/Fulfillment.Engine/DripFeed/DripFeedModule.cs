using Microsoft.Extensions.DependencyInjection;

namespace Fulfillment.Engine.DripFeed;

/// <summary>Drip-feed the engine runs itself: its settings (rules: <see cref="DripFeedRules"/>), its pass and its step of DispatchOrders.</summary>
public static class DripFeedModule
{
    public static IServiceCollection AddDripFeed(this IServiceCollection services)
    {
        services.AddOptions<DripFeedOptions>().BindConfiguration(DripFeedOptions.Section);
        return services.AddSingleton<DripFeedPass>().AddSingleton<DripFeedRunner>();
    }
}
