using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Fulfillment.Providers.Resilience;

/// <summary>
/// Named options, one name per provider: defaults first, then that provider's override section.
/// The unnamed instance is the defaults alone.
/// </summary>
internal sealed class ProviderResilienceOptionsSetup(IConfiguration configuration) : IConfigureNamedOptions<ProviderResilienceOptions>
{
    public void Configure(ProviderResilienceOptions options) => Configure(Options.DefaultName, options);

    public void Configure(string? name, ProviderResilienceOptions options)
    {
        configuration.GetSection(ProviderResilienceOptions.DefaultsSection).Bind(options);
        if (!string.IsNullOrEmpty(name))
            configuration.GetSection(OverrideSection(name)).Bind(options);
    }

    internal static string OverrideSection(string providerName) => $"{ProviderResilienceOptions.OverridesSection}:{providerName}";
}
