using Microsoft.Extensions.DependencyInjection;

namespace Fulfillment.Engine.Dispatch;

/// <summary>Dispatch's services: the pass and its rooms, and the DispatchOrders step.</summary>
public static class DispatchModule
{
    public static IServiceCollection AddDispatch(this IServiceCollection services) => services
        .AddSingleton<HeldOrders>()
        .AddSingleton<DispatchClaim>()
        .AddSingleton<AddSender>()
        .AddSingleton<OutcomeRecorder>()
        .AddSingleton<LeaseRenewer>()
        .AddSingleton<DispatchPass>();

    /// <summary>The per-instance listener that dispatches new orders within milliseconds (service mode only).</summary>
    public static IServiceCollection AddNewOrderListener(this IServiceCollection services) => services.AddHostedService<NewOrderListener>();
}
