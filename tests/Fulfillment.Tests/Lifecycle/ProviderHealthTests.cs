using Fulfillment.Engine.Jobs;
using Fulfillment.Tests.Infrastructure;

namespace Fulfillment.Tests.Lifecycle;

public sealed class ProviderHealthTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task The_service_list_is_stored_vanished_services_are_disabled_and_underpriced_ones_flagged()
    {
        await using var engine = await EngineHarness.StartAsync(fixture);
        var (provider, fine) = await engine.CreateProviderAndServiceAsync(upstreamService: 1, rate: 2m);
        var vanished = await engine.Panel.CreateServiceAsync(provider, rate: 2m, providerServiceId: "777");
        var underpriced = await engine.Panel.CreateServiceAsync(provider, rate: 0.10m, providerServiceId: "1");

        await engine.RunAsync(JobNames.SyncProviderServices);

        Assert.Equal(8L, await engine.Panel.ScalarAsync<long>("SELECT count(*) FROM provider_services WHERE provider_id = $1", provider));
        Assert.False(await engine.Panel.ScalarAsync<bool>("SELECT enabled FROM services WHERE id = $1", vanished));
        Assert.Contains("no longer lists service 777", await engine.Panel.ScalarAsync<string>("SELECT disabled_reason FROM services WHERE id = $1", vanished), StringComparison.Ordinal);
        Assert.True(await engine.Panel.ScalarAsync<bool>("SELECT enabled FROM services WHERE id = $1", fine));
        Assert.Null(await engine.Panel.ScalarAsync<string?>("SELECT flag FROM services WHERE id = $1", fine));
        Assert.Contains("exceeds the sale rate", await engine.Panel.ScalarAsync<string>("SELECT flag FROM services WHERE id = $1", underpriced), StringComparison.Ordinal);
        Assert.Equal(0.9m, await engine.Panel.ScalarAsync<decimal>("SELECT upstream_rate FROM services WHERE id = $1", underpriced));
    }

    [Fact]
    public async Task The_balance_is_stored_and_an_unreachable_provider_records_its_error()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, s => s.Balance = 123.45m);
        var (provider, _) = await engine.CreateProviderAndServiceAsync();
        var broken = await engine.Panel.CreateProviderAsync(url: "http://127.0.0.1:1/api/v2", key: "broken-provider-key");

        await engine.RunAsync(JobNames.CheckProviderBalances);

        Assert.Equal(123.45m, await engine.Panel.ScalarAsync<decimal>("SELECT balance FROM providers WHERE id = $1", provider));
        Assert.Equal("USD", await engine.Panel.ScalarAsync<string>("SELECT currency FROM providers WHERE id = $1", provider));
        Assert.NotNull(await engine.Panel.ScalarAsync<string?>("SELECT last_error FROM providers WHERE id = $1", broken));
        Assert.DoesNotContain("broken-provider-key", await engine.Panel.ScalarAsync<string>("SELECT last_error FROM providers WHERE id = $1", broken), StringComparison.Ordinal);
    }
}
