using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Fulfillment.Providers.Resilience;

/// <summary>
/// One set of pipelines per provider, built on first use from that provider's named options.
/// Keyed by id, name and URL, so editing a provider row (new URL or name) gets fresh state.
/// Options are read once per provider per process: changing them takes a restart.
/// </summary>
public sealed class ProviderPipelineRegistry(IOptionsMonitor<ProviderResilienceOptions> options, ProviderClock clock) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<(long, string, Uri), Lazy<ProviderPipelines>> pipelines = new();

    /// <summary>The effective options for a provider: defaults with its override applied, validated.</summary>
    public ProviderResilienceOptions OptionsFor(ProviderEndpoint provider) => For(provider).Options;

    internal ProviderPipelines For(ProviderEndpoint provider) =>
        pipelines.GetOrAdd(
            (provider.Id, provider.Name, provider.ApiUrl),
            _ => new Lazy<ProviderPipelines>(() => ProviderPipelineFactory.Create(options.Get(provider.Name), clock.Time))).Value;

    public async ValueTask DisposeAsync()
    {
        foreach (var entry in pipelines.Values.Where(l => l.IsValueCreated))
            await entry.Value.DisposeAsync();
        pipelines.Clear();
    }
}
