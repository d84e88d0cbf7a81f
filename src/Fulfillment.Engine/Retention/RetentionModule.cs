using Microsoft.Extensions.DependencyInjection;

namespace Fulfillment.Engine.Retention;

/// <summary>Retention (PurgeExpiredData): its settings (rules: <see cref="RetentionRules"/>) and runner.</summary>
public static class RetentionModule
{
    public static IServiceCollection AddRetention(this IServiceCollection services)
    {
        services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.Section);
        return services.AddScoped<RetentionRunner>();
    }
}
