using Fulfillment.Providers.Smm;
using Fulfillment.Providers.Tests.Infrastructure;
using Fulfillment.Simulator;

namespace Fulfillment.Providers.Tests;

[Trait("Lane", "Fast")]
public sealed class SecurityTests
{
    [Fact]
    public async Task A_full_exchange_sends_the_api_key_only_in_request_bodies_and_never_logs_it()
    {
        var settings = new SimulatorSettings { ApiKey = ClientHarness.Key, SpeedFactor = 100 };
        await using var sim = await ProviderSimulator.StartAsync(settings);
        // The client talks to the simulator through a TCP relay that keeps every byte it sends.
        await using var tap = new WireTap(sim.ApiUrl);
        await using var harness = new ClientHarness(tap.Through(sim.ApiUrl), settings: new Dictionary<string, string?> { ["Fulfillment:Providers:Defaults:RetryCount"] = "1" });
        var (client, p) = (harness.Client, harness.Provider);
        var errors = new List<Exception>();

        await client.GetServicesAsync(p, CancellationToken.None);
        await client.GetBalanceAsync(p, CancellationToken.None);
        var id = SimulatorClientTests.Id(await client.AddAsync(p, new AddOrderRequest("1", "https://x/sec", 100), CancellationToken.None));
        await client.AddAsync(p, new AddOrderRequest("1", "https://x/sec", 100), CancellationToken.None);
        await client.GetStatusesAsync(p, [id, "1"], CancellationToken.None);
        await client.RefillAsync(p, id, CancellationToken.None);
        await client.CancelAsync(p, [id], CancellationToken.None);
        settings.ServerErrorRate = 1;
        await client.AddAsync(p, new AddOrderRequest("1", "https://x/sec2", 100), CancellationToken.None);
        try
        {
            await client.GetStatusAsync(p, id, CancellationToken.None);
        }
        catch (ProviderCallException ex)
        {
            errors.Add(ex);
        }

        settings.ServerErrorRate = 0;
        settings.ApiKey = "rotated";
        await client.AddAsync(p, new AddOrderRequest("1", "https://x/sec3", 100), CancellationToken.None);

        // What went over the wire: every request carried the key, in its form body and nowhere else.
        var requests = tap.Requests();
        Assert.Equal(sim.Record.Total, requests.Count);
        Assert.True(requests.Count >= 11, $"{requests.Count} requests went out");
        Assert.All(requests, r =>
        {
            Assert.StartsWith("POST ", r.RequestLine, StringComparison.Ordinal);
            Assert.DoesNotContain(ClientHarness.Key, r.Head, StringComparison.Ordinal);
            Assert.Contains("key=" + ClientHarness.Key, r.Body, StringComparison.Ordinal);
        });

        // ...and no log line or exception repeats it.
        Assert.True(harness.Logs.Lines.Count >= 8, "the exchange was logged");
        Assert.DoesNotContain(ClientHarness.Key, harness.Logs.All, StringComparison.Ordinal);
        Assert.Single(errors);
        Assert.DoesNotContain(ClientHarness.Key, errors[0].ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_provider_endpoint_prints_without_its_key()
    {
        var endpoint = new ProviderEndpoint(3, "Upstream", new Uri("https://p.example/api/v2"), "super-secret-key");

        Assert.DoesNotContain("super-secret-key", endpoint.ToString(), StringComparison.Ordinal);
        Assert.Contains("Upstream", endpoint.ToString(), StringComparison.Ordinal);
    }
}
