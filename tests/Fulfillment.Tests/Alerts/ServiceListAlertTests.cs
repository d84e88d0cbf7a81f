using System.Globalization;
using Fulfillment.Data.Entities;
using Fulfillment.Simulator;
using Fulfillment.Tests.Infrastructure;

namespace Fulfillment.Tests.Alerts;

/// <summary>
/// A service list that is empty, or that lost more than half of the services stored, is likelier a provider's glitch than its catalogue:
/// SyncProviderServices applies nothing of it (no service withdrawn or disabled) and raises service_list_suspect, which the next normal
/// list clears. Another provider's list is applied all the same.
/// </summary>
public sealed class ServiceListAlertTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task An_empty_or_mostly_emptied_list_changes_nothing_and_raises_service_list_suspect_until_a_normal_list_clears_it()
    {
        await using var engine = await EngineHarness.StartAsync(fixture);
        await using var other = await ProviderSimulator.StartAsync(new SimulatorSettings { ApiKey = "other-key", Seed = 7 }, engine.Clock);
        var watch = new AlertWatch(engine);
        var (provider, likes) = await engine.CreateProviderAndServiceAsync(upstreamService: 2, rate: 1m);
        var comments = await engine.Panel.CreateServiceAsync(provider, 20m, 5, 1000, "Custom Comments", providerServiceId: "5");
        var otherProvider = await engine.Panel.CreateProviderAsync(null, other.ApiUrl.ToString(), "other-key");
        var otherService = await engine.Panel.CreateServiceAsync(otherProvider, 1m, providerServiceId: "3");
        var subject = provider.ToString(CultureInfo.InvariantCulture);
        var catalogue = engine.Simulator.Settings.Services;

        await SyncAsync(engine, watch);
        Assert.Equal(8L, await StoredAsync(engine, provider));
        await watch.AssertNoneAsync(AlertKind.ServiceListSuspect, subject);

        // Empty: nothing applied, the panel services stay enabled; meanwhile the other provider's list is applied (its service 3 gone).
        engine.Simulator.Settings.Services = [];
        other.Settings.Services = [.. other.Settings.Services.Where(s => s.Service != 3)];
        await SyncAsync(engine, watch);
        var first = await watch.AssertAsync(AlertKind.ServiceListSuspect, AlertSubject.Provider, subject, rows: 1, open: true);
        Assert.Contains("empty service list", first.Message, StringComparison.Ordinal);
        Assert.Equal(0, first.Detail.GetProperty("listed").GetInt32());
        Assert.Equal(8L, await StoredAsync(engine, provider));
        Assert.True(await EnabledAsync(engine, likes) && await EnabledAsync(engine, comments));
        Assert.False(await EnabledAsync(engine, otherService));
        await watch.AssertNoneAsync(AlertKind.ServiceListSuspect, otherProvider.ToString(CultureInfo.InvariantCulture));

        // Two of eight left: still suspect, the same alert with its words kept current; still nothing applied.
        engine.Simulator.Settings.Services = [.. catalogue.Where(s => s.Service is 1 or 2)];
        await SyncAsync(engine, watch);
        var same = await watch.AssertAsync(AlertKind.ServiceListSuspect, AlertSubject.Provider, subject, rows: 1, open: true);
        Assert.Equal(first.Id, same.Id);
        Assert.Contains("only 2 of the 8", same.Message, StringComparison.Ordinal);
        Assert.Equal(8L, await StoredAsync(engine, provider));
        Assert.True(await EnabledAsync(engine, comments));

        // Half of it left is a normal list: applied (service 5 withdrawn, its panel service disabled), and the alert clears.
        engine.Simulator.Settings.Services = [.. catalogue.Where(s => s.Service is 1 or 2 or 3 or 4)];
        await SyncAsync(engine, watch);
        await watch.AssertAsync(AlertKind.ServiceListSuspect, AlertSubject.Provider, subject, rows: 1, open: false);
        Assert.Equal(4L, await StoredAsync(engine, provider));
        Assert.False(await EnabledAsync(engine, comments));
        Assert.True(await EnabledAsync(engine, likes));

        // Empty again: a new alert.
        engine.Simulator.Settings.Services = [];
        await SyncAsync(engine, watch);
        await watch.AssertAsync(AlertKind.ServiceListSuspect, AlertSubject.Provider, subject, rows: 2, open: true);
        Assert.Equal(4L, await StoredAsync(engine, provider));
    }

    private static async Task SyncAsync(EngineHarness engine, AlertWatch watch)
    {
        engine.Clock.Advance(TimeSpan.FromHours(1));
        await watch.SyncProviderServicesAsync();
    }

    private static Task<long> StoredAsync(EngineHarness engine, long provider) =>
        engine.Panel.ScalarAsync<long>("SELECT count(*) FROM provider_services WHERE provider_id = $1", provider);

    private static Task<bool> EnabledAsync(EngineHarness engine, long service) =>
        engine.Panel.ScalarAsync<bool>("SELECT enabled FROM services WHERE id = $1", service);
}
