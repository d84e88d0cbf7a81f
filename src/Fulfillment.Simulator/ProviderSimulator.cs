using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Fulfillment.Simulator;

/// <summary>
/// A simulated provider on Kestrel: SMM v2 at <c>/api/v2</c>, SMS activations at <c>/stubs/handler_api.php</c>. In-process: <c>await using var sim = await ProviderSimulator.StartAsync(...)</c>
/// binds 127.0.0.1 on a free port. Standalone: <c>dotnet run --project src/Fulfillment.Simulator -- --urls ... --key ...</c>.
/// </summary>
public sealed class ProviderSimulator : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly SimulatorState state;

    private ProviderSimulator(WebApplication app, SimulatorState state, Uri baseUrl)
    {
        this.app = app;
        this.state = state;
        BaseUrl = baseUrl;
        ApiUrl = new Uri(baseUrl, "api/v2");
        SmsApiUrl = new Uri(baseUrl, "stubs/handler_api.php");
    }

    /// <summary>The server root; control endpoints live under <c>/_sim</c>.</summary>
    public Uri BaseUrl { get; }

    /// <summary>The SMM v2 endpoint, <c>/api/v2</c>.</summary>
    public Uri ApiUrl { get; }

    /// <summary>The SMS activation endpoint, <c>/stubs/handler_api.php</c> (same key, balance, faults and record).</summary>
    public Uri SmsApiUrl { get; }

    /// <summary>Live settings: changes apply to the next request.</summary>
    public SimulatorSettings Settings => state.Settings;

    public RequestRecord Record => state.Record;

    public OrderBook Orders => state.Orders;

    public ActivationBook Activations => state.Activations;

    /// <param name="timeProvider">Drives order and activation progress only; latency and delayed answers use real time.</param>
    public static async Task<ProviderSimulator> StartAsync(
        SimulatorSettings? settings = null, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var state = new SimulatorState(WithCatalogue(settings ?? new SimulatorSettings()), timeProvider ?? TimeProvider.System);
        var app = Build(builder, state);
        await app.StartAsync(cancellationToken);

        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new ProviderSimulator(app, state, new Uri(address.TrimEnd('/') + "/"));
    }

    /// <summary>Standalone: settings from <c>--Simulator:*</c> and <c>--key</c>, listening on <c>--urls</c> (default 127.0.0.1:5055).</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        var settings = new SimulatorSettings();
        builder.Configuration.GetSection(SimulatorSettings.Section).Bind(settings);
        if (builder.Configuration["key"] is { Length: > 0 } key)
            settings.ApiKey = key;
        if (string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
            builder.WebHost.UseUrls("http://127.0.0.1:5055");
        builder.Logging.SetMinimumLevel(LogLevel.Warning).AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);

        var app = Build(builder, new SimulatorState(WithCatalogue(settings), TimeProvider.System));
        await app.RunAsync();
        return 0;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    private static WebApplication Build(WebApplicationBuilder builder, SimulatorState state)
    {
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
        var app = builder.Build();
        var api = new ApiV2Endpoint(state);
        app.MapPost("/api/v2", api.HandleAsync);
        app.MapGet("/api/v2", api.HandleAsync);
        var sms = new SmsActivateEndpoint(state);
        app.MapGet("/stubs/handler_api.php", sms.HandleAsync);
        app.MapPost("/stubs/handler_api.php", sms.HandleAsync);
        app.MapControlEndpoints(state);
        return app;
    }

    private static SimulatorSettings WithCatalogue(SimulatorSettings settings)
    {
        if (settings.Services.Count == 0)
            settings.Services = SimulatedService.DefaultCatalogue();
        return settings;
    }
}
