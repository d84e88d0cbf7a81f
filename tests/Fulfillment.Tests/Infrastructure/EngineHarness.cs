using Fulfillment.Engine.Heartbeat;
using Fulfillment.Engine.Jobs;
using Fulfillment.Simulator;
using Fulfillment.Worker.Hosting;
using Fulfillment.Worker.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Fulfillment.Tests.Infrastructure;

/// <summary>
/// The engine's services built as the host builds them (Tool mode: no scheduler), on a test
/// database, with a fake clock shared with a real simulator over loopback. Jobs run on demand.
/// Each harness's simulator has a key of its own (<see cref="ApiKey"/>): an order another test left behind,
/// sent to whatever now listens on its provider's old port, is refused there, never taken.
/// </summary>
public sealed class EngineHarness : IAsyncDisposable
{
    private readonly IHost _host;

    private EngineHarness(IHost host, ProviderSimulator simulator, FakeTimeProvider clock, Panel panel)
    {
        _host = host;
        Simulator = simulator;
        Clock = clock;
        Panel = panel;
    }

    public ProviderSimulator Simulator { get; }

    /// <summary>This harness's simulator's key, and its provider rows'.</summary>
    public string ApiKey => Simulator.Settings.ApiKey;
    public FakeTimeProvider Clock { get; }
    public Panel Panel { get; }
    public IServiceProvider Services => _host.Services;

    public static Task<EngineHarness> StartAsync(
        DatabaseFixture database, Action<SimulatorSettings>? simulator = null, params string[] settings) =>
        StartAsync(database.ConnectionString, database.DataSource, simulator, settings);

    /// <param name="connectionString">What the engine connects as (the engine role, in the role tests).</param>
    /// <param name="panelDb">What <see cref="Panel"/> arranges rows with.</param>
    public static async Task<EngineHarness> StartAsync(
        string connectionString, NpgsqlDataSource panelDb, Action<SimulatorSettings>? simulator = null, params string[] settings)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var simulatorSettings = new SimulatorSettings { ApiKey = $"key-{Guid.NewGuid():N}", Seed = 42 };
        simulator?.Invoke(simulatorSettings);
        var sim = await ProviderSimulator.StartAsync(simulatorSettings, clock);
        var builder = EngineHost.CreateBuilder(EngineMode.Tool,
        [
            $"--ConnectionStrings:Panel={connectionString}",
            "--Serilog:MinimumLevel:Default=Warning",
            "--Fulfillment:Providers:Defaults:Timeout=00:00:02",
            "--Fulfillment:Providers:Defaults:RetryBaseDelay=00:00:00.01",
            .. settings,
        ]);
        builder.Services.AddSingleton<TimeProvider>(clock);
        var host = builder.Build();
        var harness = new EngineHarness(host, sim, clock, new Panel(panelDb));
        // Register this "instance" so its dispatch claims count as alive.
        await host.Services.GetRequiredService<HeartbeatStore>().UpsertAsync(
            host.Services.GetRequiredService<InstanceIdentity>(), clock.GetUtcNow(), new { }, CancellationToken.None);
        return harness;
    }

    public async Task RunAsync(string job)
    {
        await using var scope = Services.CreateAsyncScope();
        await Services.GetRequiredService<JobCatalog>().Resolve(scope.ServiceProvider, job).RunAsync(CancellationToken.None);
    }

    /// <summary>A provider row pointing at the simulator, and a panel service mapped to one of its services.</summary>
    public async Task<(long Provider, long Service)> CreateProviderAndServiceAsync(
        int upstreamService = 1, decimal rate = 2m, int min = 10, int max = 10_000, string type = "Default",
        bool cancel = false, bool refill = false, string? providerName = null)
    {
        var provider = await Panel.CreateProviderAsync(providerName, Simulator.ApiUrl.ToString(), ApiKey);
        var service = await Panel.CreateServiceAsync(provider, rate, min, max, type, cancel, refill, upstreamService.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return (provider, service);
    }

    /// <summary>An sms_activate provider row at the simulator's handler, and an Activation service (default code tg).</summary>
    public async Task<(long Provider, long Service)> CreateActivationServiceAsync(decimal rate = 0.5m, string serviceCode = "tg")
    {
        var provider = await Panel.ScalarAsync<long>(
            "INSERT INTO providers (name, kind, api_url, api_key) VALUES ($1, 'sms_activate', $2, $3) RETURNING id",
            $"sms_{Guid.NewGuid():N}", Simulator.SmsApiUrl.ToString(), ApiKey);
        var service = await Panel.CreateServiceAsync(provider, rate, 1, 1, "Activation", providerServiceId: serviceCode);
        return (provider, service);
    }

    public Task<string> StatusAsync(long order) => Panel.ScalarAsync<string>("SELECT status FROM orders WHERE id = $1", order);

    public async ValueTask DisposeAsync()
    {
        _host.Dispose();
        await Simulator.DisposeAsync();
    }
}
