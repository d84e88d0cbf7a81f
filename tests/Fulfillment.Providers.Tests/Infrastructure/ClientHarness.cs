using Fulfillment.Providers.Resilience;
using Fulfillment.Providers.Smm;
using Fulfillment.Providers.Transport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Fulfillment.Providers.Tests.Infrastructure;

/// <summary>The real DI wiring of the provider clients, optionally with a stub in place of the network.</summary>
public sealed class ClientHarness : IAsyncDisposable
{
    public const string Key = "k-9f8e7d6c5b4a-SECRET";

    /// <summary>Settings that give the "Upstream" provider a one-second timeout, for answers that come too late.</summary>
    /// <remarks>1 s, not less: a cold connection on a busy machine can take a few hundred ms to open, and a
    /// timeout before the request is written is (correctly) a provably-unsent refusal instead.</remarks>
    public static readonly Dictionary<string, string?> ShortTimeout = new() { ["Fulfillment:Providers:Overrides:Upstream:Timeout"] = "00:00:01" };

    private readonly ServiceProvider services;

    public ClientHarness(Uri apiUrl, StubHandler? stub = null, IDictionary<string, string?>? settings = null, string providerName = "Upstream")
    {
        var values = new Dictionary<string, string?>
        {
            ["Fulfillment:Providers:Defaults:Timeout"] = "00:00:05",
            ["Fulfillment:Providers:Defaults:RetryBaseDelay"] = "00:00:00.010",
        };
        foreach (var (name, value) in settings ?? new Dictionary<string, string?>())
            values[name] = value;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();

        var collection = new ServiceCollection();
        collection.AddLogging(b => b.AddProvider(Logs).SetMinimumLevel(LogLevel.Trace));
        collection.AddProviderClients(configuration);
        if (stub is not null)
            collection.AddHttpClient(ProviderTransport.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => stub);
        services = collection.BuildServiceProvider(validateScopes: true);

        Provider = new ProviderEndpoint(1, providerName, apiUrl, Key);
        Client = services.GetRequiredService<ISmmClient>();
    }

    public static Uri StubUrl { get; } = new("https://provider.example/api/v2");

    public CapturedLogs Logs { get; } = new();

    public ProviderEndpoint Provider { get; }

    public ISmmClient Client { get; }

    public ProviderPipelineRegistry Pipelines => services.GetRequiredService<ProviderPipelineRegistry>();

    public static ClientHarness WithStub(StubHandler stub, IDictionary<string, string?>? settings = null) => new(StubUrl, stub, settings);

    public T Get<T>() where T : notnull => services.GetRequiredService<T>();

    public async ValueTask DisposeAsync() => await services.DisposeAsync();
}
