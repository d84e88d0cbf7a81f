using System.Globalization;
using System.Text.Json;
using Fulfillment.Simulator;
using Microsoft.Extensions.Time.Testing;

namespace Fulfillment.Providers.Tests;

/// <summary>
/// The simulator serves subscriptions: the account's posts appear over time and each served post is counted, with
/// its child order; a subscription completes, expires, pauses and is canceled, on an injected clock.
/// </summary>
[Trait("Lane", "Fast")]
public sealed class SimulatorSubscriptionTests
{
    private static readonly DateTimeOffset Start = DateTimeOffset.Parse("2026-03-01T12:00:00Z", CultureInfo.InvariantCulture);

    private static SimulatorSettings Settings(double pause = 0, double providerCancels = 0) => new()
    {
        ApiKey = "k",
        SubscriptionPostEvery = TimeSpan.FromHours(1),
        SubscriptionPauseProbability = pause,
        SubscriptionPauseLength = TimeSpan.FromHours(3),
        SubscriptionCanceledProbability = providerCancels,
    };

    private static async Task<JsonElement> PostAsync(HttpClient http, Uri api, string form)
    {
        using var content = new StringContent(form, System.Text.Encoding.UTF8, "application/x-www-form-urlencoded");
        using var response = await http.PostAsync(api, content);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static async Task<long> AddAsync(HttpClient http, ProviderSimulator sim, string extra) =>
        (await PostAsync(http, sim.ApiUrl, $"key=k&action=add&service=8&link=@acct{Guid.NewGuid():N}&username=acct&min=50&max=100{extra}"))
            .GetProperty("order").GetInt64();

    private static async Task<(string Status, long Posts, int Children)> StatusAsync(HttpClient http, ProviderSimulator sim, long id)
    {
        var status = await PostAsync(http, sim.ApiUrl, $"key=k&action=status&order={id}");
        return (status.GetProperty("status").GetString()!, status.GetProperty("posts").GetInt64(), status.GetProperty("orders").GetArrayLength());
    }

    [Fact]
    public async Task Posts_appear_over_time_each_served_post_is_counted_and_the_subscription_completes()
    {
        var time = new FakeTimeProvider(Start);
        await using var sim = await ProviderSimulator.StartAsync(Settings(), time);
        using var http = new HttpClient();

        // A post an hour, each served 30 minutes after it appears; 3 posts.
        var id = await AddAsync(http, sim, "&posts=3&delay=30");
        var seen = new List<(string, long, int)>();
        foreach (var minutes in new[] { 0, 89, 1, 60, 60, 600 })
        {
            time.Advance(TimeSpan.FromMinutes(minutes));
            seen.Add(await StatusAsync(http, sim, id));
        }

        Assert.Equal([("Active", 0, 0), ("Active", 0, 0), ("Active", 1, 1), ("Active", 2, 2), ("Completed", 3, 3), ("Completed", 3, 3)], seen);
        // Charged for the most it can deliver: 0.30 per 1000 x 100 x 3 posts.
        Assert.Equal(0.09m, sim.Orders.Find(id)!.Charge);
    }

    [Fact]
    public async Task A_subscription_expires_at_its_date_with_the_posts_served_by_then()
    {
        var time = new FakeTimeProvider(Start);
        await using var sim = await ProviderSimulator.StartAsync(Settings(), time);
        using var http = new HttpClient();

        // Expires as 3 March begins: 36 hours, 36 posts of 100 would be served by then.
        var id = await AddAsync(http, sim, "&posts=100&expiry=3/3/2026");
        time.Advance(TimeSpan.FromHours(35.5));
        var before = await StatusAsync(http, sim, id);
        time.Advance(TimeSpan.FromDays(3));
        var after = await StatusAsync(http, sim, id);

        Assert.Equal(("Active", 35L, 35), before);
        Assert.Equal(("Expired", 36L, 36), after);
    }

    [Fact]
    public async Task A_paused_subscription_serves_nothing_until_it_goes_on()
    {
        var time = new FakeTimeProvider(Start);
        await using var sim = await ProviderSimulator.StartAsync(Settings(pause: 1), time);
        using var http = new HttpClient();

        var id = await AddAsync(http, sim, "&posts=5");
        var seen = new List<(string, long, int)>();
        // Paused from 1.5 h for 3 h: the second post comes at 5 h instead of 2 h.
        foreach (var hours in new[] { 1.0, 1.0, 2.0, 0.75, 0.5 })
        {
            time.Advance(TimeSpan.FromHours(hours));
            seen.Add(await StatusAsync(http, sim, id));
        }

        Assert.Equal([("Active", 1, 1), ("Paused", 1, 1), ("Paused", 1, 1), ("Active", 1, 1), ("Active", 2, 2)], seen);
    }

    [Fact]
    public async Task A_canceled_subscription_keeps_the_posts_served_until_the_cancel()
    {
        var time = new FakeTimeProvider(Start);
        await using var sim = await ProviderSimulator.StartAsync(Settings(), time);
        using var http = new HttpClient();

        var id = await AddAsync(http, sim, "&posts=10");
        time.Advance(TimeSpan.FromHours(4.5));
        var cancel = await PostAsync(http, sim.ApiUrl, $"key=k&action=cancel&orders={id}");
        time.Advance(TimeSpan.FromHours(10));

        Assert.Equal(1, cancel[0].GetProperty("cancel").GetInt32());
        Assert.Equal(("Canceled", 4L, 4), await StatusAsync(http, sim, id));
    }

    [Fact]
    public async Task The_provider_may_cancel_a_subscription_itself_after_half_its_posts()
    {
        var time = new FakeTimeProvider(Start);
        await using var sim = await ProviderSimulator.StartAsync(Settings(providerCancels: 1), time);
        using var http = new HttpClient();

        var id = await AddAsync(http, sim, "&posts=8");
        time.Advance(TimeSpan.FromDays(1));

        Assert.Equal(("Canceled", 4L, 4), await StatusAsync(http, sim, id));
    }

    [Theory]
    [InlineData("&posts=3&delay=20", "Incorrect delay")]
    [InlineData("&posts=0", "Incorrect posts")]
    [InlineData("&posts=3&expiry=2026-12-01", "Incorrect expiry")]
    [InlineData("&posts=3&expiry=1/1/2026", "Incorrect expiry")]
    public async Task A_subscription_the_provider_cannot_serve_is_refused(string extra, string error)
    {
        await using var sim = await ProviderSimulator.StartAsync(Settings(), new FakeTimeProvider(Start));
        using var http = new HttpClient();

        var answer = await PostAsync(http, sim.ApiUrl, $"key=k&action=add&service=8&username=acct&min=50&max=100{extra}");

        Assert.Equal(error, answer.GetProperty("error").GetString());
    }
}
