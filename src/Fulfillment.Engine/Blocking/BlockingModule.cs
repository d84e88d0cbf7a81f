using Microsoft.Extensions.DependencyInjection;

namespace Fulfillment.Engine.Blocking;

/// <summary>Accounts that close (blocked, or gone): the first step of ProcessOrderRequests.</summary>
public static class BlockingModule
{
    public static IServiceCollection AddBlocking(this IServiceCollection services) => services
        .AddSingleton<BlockedAccounts>()
        .AddSingleton<DepartedAccounts>();
}
