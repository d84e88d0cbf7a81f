using System.Text.Json;
using Fulfillment.Simulator;
using Microsoft.Extensions.Time.Testing;

namespace Fulfillment.Providers.Tests;

/// <summary>
/// The simulator's record says, request by request, whether the provider processed it: the evidence the soak and the
/// kill loop use to prove an order was never created twice and re-sent only after a refusal before processing.
/// </summary>
[Trait("Lane", "Fast")]
public sealed class SimulatorRecordTests
{
    private static SimulatorSettings Settings() => new() { ApiKey = "record-key", Seed = 5, PartialProbability = 0, CanceledProbability = 0 };

    private static async Task<(int Status, string Body)> PostAsync(HttpClient http, Uri api, string form)
    {
        using var content = new StringContent(form, System.Text.Encoding.UTF8, "application/x-www-form-urlencoded");
        using var response = await http.PostAsync(api, content);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Each_add_is_recorded_as_refused_before_processing_or_processed_with_what_it_created()
    {
        var settings = Settings();
        await using var sim = await ProviderSimulator.StartAsync(settings, new FakeTimeProvider(DateTimeOffset.UtcNow));
        using var http = new HttpClient();
        const string add = "key=record-key&action=add&service=1&link=https://x/rec&quantity=100";

        settings.TooManyRequestsRate = 1;
        var throttled = await PostAsync(http, sim.ApiUrl, add);
        settings.TooManyRequestsRate = 0;
        var wrongKey = await PostAsync(http, sim.ApiUrl, add.Replace("record-key", "other-key", StringComparison.Ordinal));
        var accepted = await PostAsync(http, sim.ApiUrl, add);
        var duplicate = await PostAsync(http, sim.ApiUrl, add);
        settings.EmptyBodyRate = 1;
        var lost = await PostAsync(http, sim.ApiUrl, "key=record-key&action=add&service=1&link=https://x/lost&quantity=100");

        Assert.Equal(429, throttled.Status);
        Assert.Contains("Invalid API key", wrongKey.Body, StringComparison.Ordinal);
        var id = JsonDocument.Parse(accepted.Body).RootElement.GetProperty("order").GetInt64();
        Assert.Contains("active order with this link", duplicate.Body, StringComparison.Ordinal);
        Assert.Equal("", lost.Body);

        var adds = sim.Record.Requests("add");
        Assert.Equal(5, adds.Count);
        Assert.Equal((RequestHandling.RefusedBeforeProcessing, "TooManyRequests", (long?)null), (adds[0].Handling, adds[0].Fault, adds[0].CreatedOrderId));
        Assert.Equal((RequestHandling.RefusedBeforeProcessing, false), (adds[1].Handling, adds[1].KeyValid));
        Assert.Equal((RequestHandling.Processed, (long?)id, (string?)null), (adds[2].Handling, adds[2].CreatedOrderId, adds[2].Refusal));
        Assert.Equal((RequestHandling.Processed, (long?)null), (adds[3].Handling, adds[3].CreatedOrderId));
        Assert.Contains("active order with this link", adds[3].Refusal, StringComparison.Ordinal);
        // Processed (the order exists), then the body was lost: the fault is drawn after processing.
        Assert.Equal((RequestHandling.Processed, "EmptyBody"), (adds[4].Handling, adds[4].Fault));
        Assert.NotNull(adds[4].CreatedOrderId);
        Assert.All(adds, a => Assert.NotNull(a.AnsweredAt));

        // The duplicate was processed and refused: it counts, though it created nothing.
        Assert.Equal(4, sim.Record.AddCount("https://x/rec"));
        Assert.Equal(2, sim.Record.ProcessedAddCount("https://x/rec"));
        Assert.Equal(1, sim.Orders.CreatedCount("https://x/rec"));
        Assert.Equal(0, sim.Record.InFlight("add"));
    }

    [Fact]
    public async Task An_add_held_by_latency_is_in_flight_and_unprocessed_until_it_is_answered()
    {
        var settings = Settings();
        settings.LatencyMin = settings.LatencyMax = TimeSpan.FromSeconds(2);
        await using var sim = await ProviderSimulator.StartAsync(settings);
        using var http = new HttpClient();

        var sending = PostAsync(http, sim.ApiUrl, "key=record-key&action=add&service=1&link=https://x/held&quantity=100");
        await Poll.UntilAsync(() => sim.Record.AddCount("https://x/held") == 1, TimeSpan.FromSeconds(30), "the add to arrive", sending);

        Assert.Equal(1, sim.Record.InFlight("add"));
        Assert.Equal(RequestHandling.Received, Assert.Single(sim.Record.Requests("add")).Handling);
        Assert.Equal(200, (await sending).Status);
        Assert.Equal(0, sim.Record.InFlight("add"));
        Assert.Equal(RequestHandling.Processed, Assert.Single(sim.Record.Requests("add")).Handling);
    }

    [Fact]
    public async Task An_add_whose_client_leaves_during_the_latency_is_never_processed()
    {
        var settings = Settings();
        settings.LatencyMin = settings.LatencyMax = TimeSpan.FromSeconds(30);
        await using var sim = await ProviderSimulator.StartAsync(settings);
        // Long enough for the request to reach the simulator on a loaded machine, far shorter than its 30 s latency.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };

        await Assert.ThrowsAsync<TaskCanceledException>(() => PostAsync(http, sim.ApiUrl, "key=record-key&action=add&service=1&link=https://x/gone&quantity=100"));
        await Poll.UntilAsync(() => sim.Record.InFlight("add") == 0, TimeSpan.FromSeconds(30), "the abandoned add to leave the simulator");

        var request = Assert.Single(sim.Record.Requests("add"));
        Assert.Equal(RequestHandling.Received, request.Handling);
        Assert.Null(request.AnsweredAt);
        Assert.Equal(0, sim.Record.ProcessedAddCount("https://x/gone"));
        Assert.Equal(0, sim.Orders.Count);
    }
}
