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
    private readonly SimulatorState state;
    private readonly SemaphoreSlim listening = new(1, 1);
    private WebApplication? app;

    private ProviderSimulator(WebApplication app, SimulatorState state, Uri baseUrl)
    {
        this.app = app;
        this.state = state;
        BaseUrl = baseUrl;

        SmsApiUrl = new Uri(baseUrl, "stubs/handler_api.php");
        state.Outage = duration => _ = Task.Run(async () =>
        {
            await GoDownAsync();
            await Task.Delay(duration);
            await ComeBackAsync();
        });
    }

    /// <summary>False between <see cref="GoDownAsync"/> and <see cref="ComeBackAsync"/>.</summary>
    public bool IsUp => app is not null;

    /// <summary>The server root; control endpoints live under <c>/_sim</c>.</summary>
    public Uri BaseUrl { get; }

    /// <summary>The SMM v2 endpoint: <c>/api/v2</c>, or the path of <see cref="SimulatorSettings.Family"/> (<c>/api/v1</c> for SmartPanel).</summary>
    public Uri ApiUrl => new(BaseUrl, FamilyAnswers.ApiPath(Settings.Family).TrimStart('/'));

    /// <summary>The SMS activation endpoint, <c>/stubs/handler_api.php</c> (same key, balance, faults and record).</summary>
    public Uri SmsApiUrl { get; }

    /// <summary>Live settings: changes apply to the next request.</summary>
    public SimulatorSettings Settings => state.Settings;

    public RequestRecord Record => state.Record;

    /// <summary>The simulator's own clock (the injected one, or the system's): an order's state is read at this instant.</summary>
    public DateTimeOffset Now => state.Time.GetUtcNow();

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

    /// <summary>
    /// Several providers at once, each its own simulator on its own port, with its own key, balance, catalogue and
    /// record (a panel's routes across providers; one may go down, drop a service or raise a price while the others
    /// go on). <paramref name="configure"/> tunes provider i (0-based) after its defaults: key <c>provider-i</c>, seed <c>i</c>.
    /// </summary>
    public static async Task<IReadOnlyList<ProviderSimulator>> StartManyAsync(
        int count, Action<int, SimulatorSettings>? configure = null, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        var started = new List<ProviderSimulator>(count);
        for (var i = 0; i < count; i++)
        {
            var settings = new SimulatorSettings { ApiKey = $"provider-{i}", Seed = i };
            configure?.Invoke(i, settings);
            started.Add(await StartAsync(settings, timeProvider, cancellationToken));
        }

        return started;
    }

    /// <summary>The provider stops offering a service: it leaves the <c>services</c> list, and adds for it are refused ("Incorrect service ID").</summary>
    public void DisableService(int service) => state.DisableService(service);

    /// <summary>The provider changes a service's price (per 1000, per order for a package): the list shows it, and adds are charged it.</summary>
    public void SetRate(int service, decimal rate) => state.SetRate(service, rate);

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

        // An outage asked for over /_sim/outage stops the application, waits, and starts a new one on the same
        // address with the same state: connections are refused meanwhile, as from a provider that is down.
        var state = new SimulatorState(WithCatalogue(settings), TimeProvider.System);
        while (true)
        {
            var app = Build(builder, state);
            TimeSpan? outage = null;
            state.Outage = duration =>
            {
                outage = duration;
                app.Lifetime.StopApplication();
            };
            await app.RunAsync();
            if (outage is not { } wait)
                return 0;

            await Task.Delay(wait);
            builder = WebApplication.CreateSlimBuilder(args);
            builder.Logging.SetMinimumLevel(LogLevel.Warning).AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
            if (string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
                builder.WebHost.UseUrls("http://127.0.0.1:5055");
        }
    }

    /// <summary>
    /// The provider goes down: the listener closes, so connections are refused and no request is even
    /// recorded. Orders, activations, settings and the record are kept for <see cref="ComeBackAsync"/>.
    /// </summary>
    public async Task GoDownAsync()
    {
        await listening.WaitAsync();
        try
        {
            if (app is { } running)
            {
                app = null;
                await running.StopAsync();
                await running.DisposeAsync();
            }
        }
        finally
        {
            listening.Release();
        }
    }

    /// <summary>Listens again on the same address, with everything the simulator knew.</summary>
    public async Task ComeBackAsync(CancellationToken cancellationToken = default)
    {
        await listening.WaitAsync(cancellationToken);
        try
        {
            if (app is not null)
                return;
            for (var attempt = 1; ; attempt++)
            {
                var builder = WebApplication.CreateSlimBuilder();
                builder.Logging.ClearProviders();
                builder.WebHost.UseUrls(BaseUrl.GetLeftPart(UriPartial.Authority));
                var restarted = Build(builder, state);
                try
                {
                    await restarted.StartAsync(cancellationToken);
                    app = restarted;
                    return;
                }
                catch (IOException) when (attempt < 50)
                {
                    // The port is still held by a closing socket; it is ours again within moments.
                    await restarted.DisposeAsync();
                    await Task.Delay(100, cancellationToken);
                }
            }
        }
        finally
        {
            listening.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await GoDownAsync();
        listening.Dispose();
    }

    private static WebApplication Build(WebApplicationBuilder builder, SimulatorState state)
    {
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
        var app = builder.Build();
        var api = new ApiV2Endpoint(state);
        app.MapPost("/api/v2", api.HandleAsync);
        app.MapGet("/api/v2", api.HandleAsync);
        // SmartPanel serves the protocol here (Settings.Family); the other families answer it as a path they do not serve.
        app.MapPost("/api/v1", api.HandleAsync);
        app.MapGet("/api/v1", api.HandleAsync);
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
