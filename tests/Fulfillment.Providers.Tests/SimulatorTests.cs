using System.Net.Http.Json;
using System.Text.Json;
using Fulfillment.Simulator;
using Microsoft.Extensions.Time.Testing;

namespace Fulfillment.Providers.Tests;

/// <summary>The simulator itself: progress on an injected clock, the same-link rule, and its control endpoints.</summary>
[Trait("Lane", "Fast")]
public sealed class SimulatorTests
{
    private static readonly SimulatorSettings Certain = new()
    {
        ApiKey = "k",
        PartialProbability = 0,
        CanceledProbability = 0,
        OverDeliveryProbability = 0,
        PendingDuration = TimeSpan.FromMinutes(1),
        InProgressDuration = TimeSpan.FromMinutes(10),
        ProcessingDuration = TimeSpan.FromMinutes(1),
    };

    private static async Task<JsonElement> PostAsync(HttpClient http, Uri api, string form)
    {
        using var content = new StringContent(form, System.Text.Encoding.UTF8, "application/x-www-form-urlencoded");
        using var response = await http.PostAsync(api, content);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    [Fact]
    public async Task Orders_progress_with_the_injected_clock()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
        await using var sim = await ProviderSimulator.StartAsync(Clone(Certain), time);
        using var http = new HttpClient();

        var id = (await PostAsync(http, sim.ApiUrl, "key=k&action=add&service=1&link=https://x/1&quantity=1000")).GetProperty("order").GetInt64();
        var seen = new List<(string, long)>();
        foreach (var seconds in new[] { 0, 120, 300, 270, 60 })
        {
            time.Advance(TimeSpan.FromSeconds(seconds));
            var status = await PostAsync(http, sim.ApiUrl, $"key=k&action=status&order={id}");
            seen.Add((status.GetProperty("status").GetString()!, status.GetProperty("remains").GetInt64()));
        }

        // Delivery grows linearly over the 11 minutes from start to end.
        Assert.Equal([("Pending", 1000), ("In progress", 910), ("In progress", 455), ("Processing", 46), ("Completed", 0)], seen);
    }

    [Fact]
    public async Task The_same_link_is_refused_while_active_and_accepted_after()
    {
        var time = new FakeTimeProvider();
        await using var sim = await ProviderSimulator.StartAsync(Clone(Certain), time);
        using var http = new HttpClient();
        const string add = "key=k&action=add&service=1&link=https://x/same&quantity=100";

        var first = await PostAsync(http, sim.ApiUrl, add);
        var second = await PostAsync(http, sim.ApiUrl, add);
        time.Advance(TimeSpan.FromMinutes(13));
        var third = await PostAsync(http, sim.ApiUrl, add);

        Assert.True(first.TryGetProperty("order", out _));
        Assert.Equal("You have active order with this link. Please wait until order being completed.", second.GetProperty("error").GetString());
        Assert.True(third.TryGetProperty("order", out _));
        Assert.Equal(3, sim.Record.AddCount("https://x/same"));
    }

    [Fact]
    public async Task Racing_adds_for_one_link_are_accepted_once()
    {
        await using var sim = await ProviderSimulator.StartAsync(Clone(Certain));
        using var http = new HttpClient();

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
            PostAsync(http, sim.ApiUrl, "key=k&action=add&service=1&link=https://x/race&quantity=100")));

        Assert.Single(answers, a => a.TryGetProperty("order", out _));
        Assert.Equal(20, sim.Record.AddCount("https://x/race"));
    }

    [Fact]
    public async Task Another_process_can_read_the_record_and_tune_settings_over_http()
    {
        await using var sim = await ProviderSimulator.StartAsync(Clone(Certain));
        using var http = new HttpClient { BaseAddress = sim.BaseUrl };

        var tuned = await http.PostAsJsonAsync("_sim/settings", new
        {
            DuplicateLinkRefusal = false,
            LatencyMax = "00:00:00.001",
            Services = new[] { new { Service = 42, Name = "Only", Type = "Default", Rate = 1.0, Min = 1, Max = 10 } },
        });
        tuned.EnsureSuccessStatusCode();
        await PostAsync(http, sim.ApiUrl, "key=k&action=add&service=42&link=https://x/ctl&quantity=5");
        await PostAsync(http, sim.ApiUrl, "key=k&action=add&service=42&link=https://x/ctl&quantity=5");
        var adds = await http.GetFromJsonAsync<JsonElement>("_sim/record/adds?link=https://x/ctl");
        var processed = await http.GetFromJsonAsync<JsonElement>("_sim/record/processed-adds");
        var counts = await http.GetFromJsonAsync<JsonElement>("_sim/record/counts");
        var recorded = await http.GetFromJsonAsync<JsonElement>("_sim/record?action=add");
        var settings = await http.GetFromJsonAsync<JsonElement>("_sim/settings");

        Assert.Equal(2, adds.GetProperty("count").GetInt32());
        Assert.Equal(2, adds.GetProperty("processed").GetInt32());
        Assert.Equal(2, processed.GetProperty("https://x/ctl").GetInt32());
        Assert.Equal(0, counts.GetProperty("in_flight").GetProperty("add").GetInt32());
        Assert.All(recorded.EnumerateArray(), r => Assert.Equal("Processed", r.GetProperty("handling").GetString()));
        Assert.Equal(2, sim.Orders.Count);
        Assert.False(sim.Settings.DuplicateLinkRefusal);
        Assert.Equal(TimeSpan.FromMilliseconds(1), sim.Settings.LatencyMax);
        Assert.Equal(42, Assert.Single(sim.Settings.Services).Service);
        Assert.False(settings.GetProperty("duplicateLinkRefusal").GetBoolean());
    }

    private static SimulatorSettings Clone(SimulatorSettings s) => new()
    {
        ApiKey = s.ApiKey,
        PartialProbability = s.PartialProbability,
        CanceledProbability = s.CanceledProbability,
        OverDeliveryProbability = s.OverDeliveryProbability,
        PendingDuration = s.PendingDuration,
        InProgressDuration = s.InProgressDuration,
        ProcessingDuration = s.ProcessingDuration,
    };
}
