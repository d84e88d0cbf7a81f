using Microsoft.Extensions.DependencyInjection;

namespace Fulfillment.Engine.Requests;

/// <summary>Cancel and refill requests: their store and processor, the ProcessOrderRequests step.</summary>
public static class RequestsModule
{
    public static IServiceCollection AddRequests(this IServiceCollection services) => services
        .AddSingleton<RequestStore>()
        .AddSingleton<RequestProcessor>();
}
