using Fulfillment.Providers.SmsActivate;
using Fulfillment.Providers.Tests.Infrastructure;
using Fulfillment.Simulator;
using Microsoft.Extensions.Time.Testing;

namespace Fulfillment.Providers.Tests.SmsActivate;

[Trait("Lane", "Fast")]
public sealed class SmsSecurityTests
{
    [Fact]
    public async Task The_key_in_the_query_string_and_the_code_never_reach_the_logs()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-03-01T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var settings = new SimulatorSettings { ApiKey = ClientHarness.Key, Seed = 3, SmsCodeLength = 9 };
        await using var sim = await ProviderSimulator.StartAsync(settings, time);
        // The client talks to the simulator through a TCP relay that keeps every byte it sends.
        await using var tap = new WireTap(sim.SmsApiUrl);
        await using var harness = new ClientHarness(tap.Through(sim.SmsApiUrl), settings: new Dictionary<string, string?> { ["Fulfillment:Providers:Defaults:RetryCount"] = "1" });
        var (client, p) = (harness.Get<ISmsActivateClient>(), harness.Provider);
        var errors = new List<Exception>();

        await client.GetBalanceAsync(p, CancellationToken.None);
        var id = Assert.IsType<NumberOutcome.Rented>(await client.GetNumberAsync(p, "tg", "0", CancellationToken.None)).ActivationId;
        time.Advance(TimeSpan.FromMinutes(1));
        var code = (await client.GetStatusAsync(p, id, CancellationToken.None)).Code!;
        await client.SetStatusAsync(p, id, SmsActions.StatusComplete, CancellationToken.None);
        settings.ServerErrorRate = 1;
        await client.GetNumberAsync(p, "tg", "0", CancellationToken.None);
        errors.Add(await Assert.ThrowsAsync<ProviderCallException>(() => client.GetStatusAsync(p, id, CancellationToken.None)));
        settings.ServerErrorRate = 0;
        settings.ApiKey = "rotated";
        await client.GetNumberAsync(p, "tg", "0", CancellationToken.None);

        // Failures whose messages come from the HTTP handler itself.
        using var closed = new ClosedPort();
        await using var unreachable = new ClientHarness(closed.Url("stubs/handler_api.php"));
        var sms = unreachable.Get<ISmsActivateClient>();
        await sms.GetNumberAsync(unreachable.Provider, "tg", "0", CancellationToken.None);
        errors.Add(await Assert.ThrowsAsync<ProviderCallException>(() => sms.GetBalanceAsync(unreachable.Provider, CancellationToken.None)));

        // What went over the wire: the protocol puts the key in the query string of every request, so the URL
        // the client held carried it, and the code came back; neither may reach a log line or an exception.
        var requests = tap.Requests();
        Assert.Equal(sim.Record.Total, requests.Count);
        Assert.True(requests.Count >= 7, $"{requests.Count} requests went out");
        Assert.All(requests, r => Assert.Contains("api_key=" + ClientHarness.Key, r.RequestLine, StringComparison.Ordinal));

        var logs = harness.Logs.All + unreachable.Logs.All;
        Assert.True(harness.Logs.Lines.Count >= 6, "the exchange was logged");
        Assert.DoesNotContain(ClientHarness.Key, logs, StringComparison.Ordinal);
        Assert.DoesNotContain("api_key", logs, StringComparison.Ordinal);
        Assert.DoesNotContain(code, logs, StringComparison.Ordinal);
        Assert.All(errors, e => Assert.DoesNotContain(ClientHarness.Key, e.ToString(), StringComparison.Ordinal));
    }
}
