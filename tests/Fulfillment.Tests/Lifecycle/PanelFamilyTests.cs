using Fulfillment.Engine.Jobs;
using Fulfillment.Simulator;
using Fulfillment.Tests.Infrastructure;

namespace Fulfillment.Tests.Lifecycle;

/// <summary>
/// The engine against the panel scripts providers run (the simulator's families, docs/providers.md): their shapes, words and
/// gaps end where the engine means them to, in the database.
/// </summary>
public sealed class PanelFamilyTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private static string Link() => $"https://instagram.com/p/{Guid.NewGuid():N}";

    [Theory]
    [InlineData(PanelFamily.SmartPanel)]
    [InlineData(PanelFamily.PanelScript)]
    public async Task Flags_a_service_list_does_not_give_are_stored_as_unknown_not_as_false(PanelFamily family)
    {
        await using var engine = await EngineHarness.StartAsync(fixture, s => s.Family = family);
        var (provider, _) = await engine.CreateProviderAndServiceAsync();

        await engine.RunAsync(JobNames.SyncProviderServices);

        Assert.Equal(8L, await engine.Panel.ScalarAsync<long>("SELECT count(*) FROM provider_services WHERE provider_id = $1", provider));
        // Neither family lists cancel; SmartPanel has no refill, the PHP script's 1/2 refill column is unknown to the client.
        Assert.Equal(0L, await engine.Panel.ScalarAsync<long>(
            "SELECT count(*) FROM provider_services WHERE provider_id = $1 AND (refill IS NOT NULL OR cancel IS NOT NULL)", provider));
        // SmartPanel says drip-feed "0"/"1"; the PHP script does not say.
        Assert.Equal(family == PanelFamily.SmartPanel ? 0L : 8L, await engine.Panel.ScalarAsync<long>(
            "SELECT count(*) FROM provider_services WHERE provider_id = $1 AND dripfeed IS NULL", provider));
        if (family == PanelFamily.SmartPanel)
        {
            Assert.True(await engine.Panel.ScalarAsync<bool>("SELECT dripfeed FROM provider_services WHERE provider_id = $1 AND service = '1'", provider));
        }
    }
}
