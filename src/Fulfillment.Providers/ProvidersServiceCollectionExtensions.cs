using Fulfillment.Providers.Resilience;
using Fulfillment.Providers.Smm;
using Fulfillment.Providers.SmsActivate;
using Fulfillment.Providers.Transport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Fulfillment.Providers;

public static class ProvidersServiceCollectionExtensions
{
    /// <summary>
    /// Adds the provider clients: options from <c>Fulfillment:Providers</c> (defaults and per-provider
    /// overrides, validated at start-up), one pooled HTTP handler, the per-provider pipeline registry,
    /// <see cref="ISmmClient"/> and <see cref="ISmsActivateClient"/> (both over the same pipelines and connections).
    /// </summary>
    public static IServiceCollection AddProviderClients(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(ProviderClock.System);
        services.AddLogging();

        services.AddSingleton<IConfigureOptions<ProviderResilienceOptions>>(new ProviderResilienceOptionsSetup(configuration));
        services.AddSingleton<IValidateOptions<ProviderResilienceOptions>, ProviderResilienceOptionsValidator>();
        services.AddOptions<ProviderResilienceOptions>().ValidateOnStart();
        foreach (var provider in configuration.GetSection(ProviderResilienceOptions.OverridesSection).GetChildren())
            services.AddOptions<ProviderResilienceOptions>(provider.Key).ValidateOnStart();

        services.AddHttpClient(ProviderTransport.HttpClientName, client =>
            {
                // The pipeline's timeout governs; HttpClient's own would fire as a plain cancellation.
                client.Timeout = Timeout.InfiniteTimeSpan;
                client.MaxResponseContentBufferSize = 32 * 1024 * 1024;
            })
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                // Pooled connections, recycled so DNS changes are picked up; certificate validation stays on.
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
                ConnectTimeout = TimeSpan.FromSeconds(10),
                AutomaticDecompression = System.Net.DecompressionMethods.All,
                UseCookies = false,
                // Every request carries the API key (in the form, or in the query for GETs): following a redirect
                // would hand it to wherever the Location points. A 3xx is reported instead (ExchangeResult.Redirected).
                AllowAutoRedirect = false,
            })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            // The default handlers log request URIs; ProviderTransport logs what matters, without secrets.
            .RemoveAllLoggers();

        services.AddMetrics();
        services.TryAddSingleton<ProviderMetrics>();
        services.TryAddSingleton<ProviderPipelineRegistry>();
        services.TryAddSingleton<ProviderTransport>();
        services.TryAddSingleton<ISmmClient, SmmClient>();
        services.TryAddSingleton<ISmsActivateClient, SmsActivateClient>();
        return services;
    }
}
