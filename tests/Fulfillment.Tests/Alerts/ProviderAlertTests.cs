using System.Globalization;
using Fulfillment.Data.Entities;
using Fulfillment.Engine.Jobs;
using Fulfillment.Tests.Infrastructure;

namespace Fulfillment.Tests.Alerts;

/// <summary>
/// The provider alerts WatchHealth states from what the balance check stored: a balance below the alert level
/// (<c>providers.alert_balance</c>, or twice <c>min_balance</c> when it is null), and a provider failing every call.
/// Each is raised by a real cause at the simulator, clears when the cause ends, and is raised again as a new alert when it comes back.
/// </summary>
public sealed class ProviderAlertTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task A_balance_below_twice_min_balance_or_below_alert_balance_raises_provider_balance_low_which_clears_when_topped_up_and_comes_back()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, s => s.Balance = 15m);
        var watch = new AlertWatch(engine);
        var (provider, _) = await engine.CreateProviderAndServiceAsync();
        var subject = provider.ToString(CultureInfo.InvariantCulture);
        await engine.Panel.ExecuteAsync("UPDATE providers SET min_balance = 10 WHERE id = $1", provider);

        // 15 is above min_balance (dispatch goes on) but below twice it: the alert level when alert_balance is not set.
        var raisedAt = await CheckAsync(engine, watch);
        var first = await watch.AssertAsync(AlertKind.ProviderBalanceLow, AlertSubject.Provider, subject, rows: 1, open: true);
        AlertWatch.AssertAt(raisedAt, first.RaisedAt);
        Assert.Equal(15m, first.Detail.GetProperty("balance").GetDecimal());
        Assert.Equal(20m, first.Detail.GetProperty("alert_balance").GetDecimal());
        Assert.Contains("below its alert level 20", first.Message, StringComparison.Ordinal);
        Assert.Null(await engine.Panel.ScalarAsync<string?>("SELECT paused_reason FROM providers WHERE id = $1", provider));

        // Still low, lower still: the same alert, its words kept current, nothing raised again.
        engine.Simulator.Settings.Balance = 12m;
        await CheckAsync(engine, watch);
        await CheckAsync(engine, watch);
        var same = await watch.AssertAsync(AlertKind.ProviderBalanceLow, AlertSubject.Provider, subject, rows: 1, open: true);
        Assert.Equal(first.Id, same.Id);
        Assert.Equal(12m, same.Detail.GetProperty("balance").GetDecimal());

        // Topped up: cleared at the check that saw it.
        engine.Simulator.Settings.Balance = 50m;
        var clearedAt = await CheckAsync(engine, watch);
        AlertWatch.AssertAt(clearedAt, (await watch.AssertAsync(AlertKind.ProviderBalanceLow, AlertSubject.Provider, subject, rows: 1, open: false)).ClearedAt);

        // Low again: a new alert.
        engine.Simulator.Settings.Balance = 5m;
        await CheckAsync(engine, watch);
        var again = await watch.AssertAsync(AlertKind.ProviderBalanceLow, AlertSubject.Provider, subject, rows: 2, open: true);
        Assert.NotEqual(first.Id, again.Id);

        // alert_balance, when set, is the level: below it the alert holds, above it the alert clears, and comes back when it is raised.
        await engine.Panel.ExecuteAsync("UPDATE providers SET alert_balance = 4 WHERE id = $1", provider);
        await CheckAsync(engine, watch);
        await watch.AssertAsync(AlertKind.ProviderBalanceLow, AlertSubject.Provider, subject, rows: 2, open: false);
        await engine.Panel.ExecuteAsync("UPDATE providers SET alert_balance = 100 WHERE id = $1", provider);
        await CheckAsync(engine, watch);
        var third = await watch.AssertAsync(AlertKind.ProviderBalanceLow, AlertSubject.Provider, subject, rows: 3, open: true);
        Assert.Equal(100m, third.Detail.GetProperty("alert_balance").GetDecimal());

        // A disabled provider is nobody's worry: its alert clears.
        await engine.Panel.ExecuteAsync("UPDATE providers SET enabled = false WHERE id = $1", provider);
        await CheckAsync(engine, watch);
        await watch.AssertAsync(AlertKind.ProviderBalanceLow, AlertSubject.Provider, subject, rows: 3, open: false);
    }

    [Fact]
    public async Task A_provider_that_goes_down_raises_provider_unreachable_which_clears_when_it_answers_and_comes_back_with_the_next_outage()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, null, "--Fulfillment:Providers:Defaults:CircuitBreakerMinimumThroughput=1000");
        var watch = new AlertWatch(engine);
        var (provider, _) = await engine.CreateProviderAndServiceAsync();
        var subject = provider.ToString(CultureInfo.InvariantCulture);

        await CheckAsync(engine, watch);
        await watch.AssertNoneAsync(AlertKind.ProviderUnreachable, subject);

        await engine.Simulator.GoDownAsync();
        var since = await CheckAsync(engine, watch);
        var first = await watch.AssertAsync(AlertKind.ProviderUnreachable, AlertSubject.Provider, subject, rows: 1, open: true);
        AlertWatch.AssertAt(since, first.RaisedAt);
        AlertWatch.AssertAt(since, first.Detail.GetProperty("unreachable_since").GetDateTimeOffset());
        Assert.StartsWith("Balance check failed: ", first.Detail.GetProperty("last_error").GetString(), StringComparison.Ordinal);

        // Down for an hour: one alert all along.
        for (var i = 0; i < 3; i++)
        {
            engine.Clock.Advance(TimeSpan.FromMinutes(20));
            await CheckAsync(engine, watch);
        }

        Assert.Equal(first.Id, (await watch.AssertAsync(AlertKind.ProviderUnreachable, AlertSubject.Provider, subject, rows: 1, open: true)).Id);

        await engine.Simulator.ComeBackAsync();
        var back = await CheckAsync(engine, watch);
        AlertWatch.AssertAt(back, (await watch.AssertAsync(AlertKind.ProviderUnreachable, AlertSubject.Provider, subject, rows: 1, open: false)).ClearedAt);

        await engine.Simulator.GoDownAsync();
        var again = await CheckAsync(engine, watch);
        var second = await watch.AssertAsync(AlertKind.ProviderUnreachable, AlertSubject.Provider, subject, rows: 2, open: true);
        AlertWatch.AssertAt(again, second.Detail.GetProperty("unreachable_since").GetDateTimeOffset());
    }

    [Fact]
    public async Task A_refused_key_raises_provider_auth_failed_not_provider_unreachable_and_it_clears_when_a_call_succeeds()
    {
        await using var engine = await EngineHarness.StartAsync(fixture, null, "--Fulfillment:Providers:Defaults:CircuitBreakerMinimumThroughput=1000");
        var watch = new AlertWatch(engine);
        var (provider, _) = await engine.CreateProviderAndServiceAsync();
        var subject = provider.ToString(CultureInfo.InvariantCulture);
        await engine.Panel.ExecuteAsync("UPDATE providers SET api_key = 'a key the provider never issued' WHERE id = $1", provider);

        var refused = await CheckAsync(engine, watch);
        var alert = await watch.AssertAsync(AlertKind.ProviderAuthFailed, AlertSubject.Provider, subject, rows: 1, open: true);
        AlertWatch.AssertAt(refused, alert.Detail.GetProperty("auth_failed_at").GetDateTimeOffset());
        Assert.Contains("check providers.api_key", alert.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("a key the provider never issued", alert.Message + alert.Detail.GetRawText(), StringComparison.Ordinal);
        // One cause, one alert: the refused key is not also reported as an outage.
        await watch.AssertNoneAsync(AlertKind.ProviderUnreachable, subject);

        await engine.Panel.ExecuteAsync("UPDATE providers SET api_key = $2 WHERE id = $1", provider, engine.Simulator.Settings.ApiKey);
        var back = await CheckAsync(engine, watch);
        AlertWatch.AssertAt(back, (await watch.AssertAsync(AlertKind.ProviderAuthFailed, AlertSubject.Provider, subject, rows: 1, open: false)).ClearedAt);
        Assert.True(await engine.Panel.ScalarAsync<bool>("SELECT auth_failed_at IS NULL AND unreachable_since IS NULL FROM providers WHERE id = $1", provider));
    }

    /// <summary>A minute later: the balance check, then WatchHealth. Returns the time they ran at.</summary>
    private static async Task<DateTimeOffset> CheckAsync(EngineHarness engine, AlertWatch watch)
    {
        engine.Clock.Advance(TimeSpan.FromMinutes(1));
        await engine.RunAsync(JobNames.CheckProviderBalances);
        await watch.WatchHealthAsync();
        return engine.Clock.GetUtcNow();
    }
}
