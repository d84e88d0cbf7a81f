using System.Net;
using System.Net.Http.Json;
using System.Text;
using Fulfillment.Providers.Smm;
using Fulfillment.Providers.Tests.Infrastructure;
using Fulfillment.Simulator;

namespace Fulfillment.Providers.Tests;

/// <summary>The simulator's hostile fault kinds, read raw off the wire and through the real client.</summary>
[Trait("Lane", "Fast")]
public sealed class SimulatorFaultTests
{
    private static async Task<(HttpStatusCode Status, string Body, string? Location)> PostAsync(Uri api, string form)
    {
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false });
        using var content = new StringContent(form, Encoding.UTF8, "application/x-www-form-urlencoded");
        using var response = await http.PostAsync(api, content);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers.Location?.ToString());
    }

    [Fact]
    public async Task Control_characters_come_as_json_escapes_and_a_lone_surrogate_in_errors_and_status_words()
    {
        await using var sim = await ProviderSimulator.StartAsync(new SimulatorSettings { ApiKey = "k", ControlCharactersRate = 1 });

        var error = await PostAsync(sim.ApiUrl, "key=k&action=add&service=999&link=https://x/1&quantity=100");
        var added = await PostAsync(sim.ApiUrl, "key=k&action=add&service=1&link=https://x/2&quantity=100");
        var id = System.Text.Json.JsonDocument.Parse(added.Body).RootElement.GetProperty("order").GetInt64();
        var status = await PostAsync(sim.ApiUrl, $"key=k&action=status&order={id}");

        Assert.Equal("""{"error":"\u0000Incorrect service ID\u001b[31m\u0007\ud800"}""", error.Body);
        Assert.Contains("""
            "status":"Pe\u0000nding\u0007"
            """.Trim(), status.Body, StringComparison.Ordinal);
        Assert.Contains("""
            "currency":"US\u0000D\u0007"
            """.Trim(), status.Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(UnusableIdKind.Comma, "comma")]
    [InlineData(UnusableIdKind.Nul, "control character")]
    [InlineData(UnusableIdKind.Oversized, "500 characters long")]
    public async Task An_unusable_order_id_is_answered_for_an_order_the_simulator_did_create(UnusableIdKind kind, string problem)
    {
        await using var sim = await ProviderSimulator.StartAsync(new SimulatorSettings { ApiKey = ClientHarness.Key, UnusableIdRate = 1, UnusableIdKind = kind });
        await using var harness = new ClientHarness(sim.ApiUrl);

        var outcome = await harness.Client.AddAsync(harness.Provider, new AddOrderRequest("1", "https://x/unusable", 100), CancellationToken.None);

        Assert.Contains(problem, Assert.IsType<AddOutcome.AcceptedUnusable>(outcome).Reason, StringComparison.Ordinal);
        Assert.Equal(1, sim.Orders.Count);
    }

    [Fact]
    public async Task A_redirect_names_the_target_with_the_request_query_and_processes_nothing()
    {
        await using var sim = await ProviderSimulator.StartAsync(new SimulatorSettings
        {
            ApiKey = "k",
            RedirectTo = "https://elsewhere.example/api/v2",
            RedirectStatus = 308,
        });

        var answer = await PostAsync(new Uri(sim.ApiUrl + "?from=query"), "key=k&action=add&service=1&link=https://x/3&quantity=100");

        Assert.Equal((HttpStatusCode.PermanentRedirect, "https://elsewhere.example/api/v2?from=query"), (answer.Status, answer.Location));
        Assert.Equal(0, sim.Orders.Count);
        Assert.Equal(1, sim.Record.Count("add"));
    }

    [Fact]
    public async Task A_provider_that_goes_down_refuses_connections_and_comes_back_with_its_orders()
    {
        await using var sim = await ProviderSimulator.StartAsync(new SimulatorSettings { ApiKey = ClientHarness.Key });
        await using var harness = new ClientHarness(sim.ApiUrl);
        var client = harness.Client;
        var first = Assert.IsType<AddOutcome.Accepted>(await client.AddAsync(harness.Provider, new AddOrderRequest("1", "https://x/before", 100), CancellationToken.None));

        await sim.GoDownAsync();
        var down = await client.AddAsync(harness.Provider, new AddOrderRequest("1", "https://x/during", 100), CancellationToken.None);
        var statusDown = await Assert.ThrowsAsync<ProviderCallException>(() => client.GetStatusAsync(harness.Provider, first.ProviderOrderId, CancellationToken.None));
        await sim.ComeBackAsync();
        var after = await client.AddAsync(harness.Provider, new AddOrderRequest("1", "https://x/during", 100), CancellationToken.None);
        var status = await client.GetStatusAsync(harness.Provider, first.ProviderOrderId, CancellationToken.None);

        Assert.Equal(RefusalReason.Unreachable, Assert.IsType<AddOutcome.Refused>(down).Reason);
        Assert.Equal(ProviderCallFailure.NotSent, statusDown.Failure);
        Assert.IsType<AddOutcome.Accepted>(after);
        Assert.NotEqual(ProviderOrderState.Unknown, status.State);
        Assert.Equal(1, sim.Record.AddCount("https://x/during"));
    }

    [Fact]
    public async Task An_outage_asked_for_over_http_refuses_connections_for_its_duration()
    {
        await using var sim = await ProviderSimulator.StartAsync(new SimulatorSettings { ApiKey = "k" });
        using var http = new HttpClient { BaseAddress = sim.BaseUrl };

        var asked = await http.PostAsync("_sim/outage?duration=00:00:01", null);
        Assert.Equal(HttpStatusCode.Accepted, asked.StatusCode);

        await Poll.UntilAsync(async () =>
        {
            try
            {
                await http.GetAsync("_sim/settings");
                return false;
            }
            catch (HttpRequestException ex) when (ex.HttpRequestError == HttpRequestError.ConnectionError)
            {
                return true;
            }
        }, TimeSpan.FromSeconds(15), "connections to be refused");
        await Poll.UntilAsync(async () =>
        {
            try
            {
                return (await http.GetFromJsonAsync<System.Text.Json.JsonElement>("_sim/settings")).ValueKind == System.Text.Json.JsonValueKind.Object;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(15), "the simulator to come back");
    }
}
