using Microsoft.Extensions.DependencyInjection;

namespace Fulfillment.Engine.Alerts;

/// <summary>Operator alerts, route quarantine and the daily money reconciliation: settings (rules: <see cref="AlertRules"/>), the alert book.</summary>
public static class AlertsModule
{
    public static IServiceCollection AddAlerts(this IServiceCollection services)
    {
        services.AddOptions<AlertOptions>().BindConfiguration(AlertOptions.Section);
        services.AddOptions<QuarantineOptions>().BindConfiguration(QuarantineOptions.Section);
        services.AddOptions<ReconcileOptions>().BindConfiguration(ReconcileOptions.Section);
        return services.AddSingleton<AlertBook>();
    }
}
