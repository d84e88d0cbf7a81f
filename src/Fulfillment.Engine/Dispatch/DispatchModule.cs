using Microsoft.Extensions.DependencyInjection;

namespace Fulfillment.Engine.Dispatch;

/// <summary>Dispatch's services: the pass and its rooms, and the DispatchOrders step.</summary>
public static class DispatchModule
{
    public static IServiceCollection AddDispatch(this IServiceCollection services) => services
        .AddSingleton<HeldOrders>()
        .AddSingleton<DispatchClaim>()
        .AddSingleton<AddSender>()
        .AddSingleton<DispatchSummary>()
        .AddSingleton<OutcomeRecorder>()
        .AddSingleton<LeaseRenewer>()
        .AddSingleton<DispatchPass>();

    /// <summary>
    /// The per-instance listener that dispatches new orders within milliseconds, and the dispatch line's last count told once the
    /// engine has stopped (service mode only).
    /// </summary>
    public static IServiceCollection AddNewOrderListener(this IServiceCollection services) => services
        .AddHostedService(sp => sp.GetRequiredService<DispatchSummary>())
        .AddHostedService<NewOrderListener>();
}
