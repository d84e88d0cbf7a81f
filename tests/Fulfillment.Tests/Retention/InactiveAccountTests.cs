using Fulfillment.Engine.Retention;
using Fulfillment.Tests.Infrastructure;

namespace Fulfillment.Tests.Retention;

/// <summary>Inactive accounts (002 §7, 003 §3): one notice after 24 months, anonymisation a grace period later, unless the user came back.</summary>
public sealed class InactiveAccountTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private static readonly TimeSpan Day = RetentionHarness.Day;
    private readonly RetentionHarness _h = new(fixture.DataSource);

    [Fact]
    public async Task An_inactive_account_gets_one_notice_and_is_anonymized_after_the_grace_period_keeping_its_balance()
    {
        var (user, service) = await _h.CustomerAsync(_h.Now - TimeSpan.FromDays(800), deposit: 12m);
        await _h.Panel.ExecuteAsync("UPDATE users SET last_active_at = $2 WHERE id = $1", user, _h.Now - _h.Options.InactiveNotice + Day);
        var order = await _h.FinishedOrderAsync(user, service, _h.Now - TimeSpan.FromDays(790));
        var balance = await _h.Panel.BalanceAsync(user);

        await _h.RunAsync();
        Assert.Equal(0, await NoticesAsync(user));
        Assert.True(await _h.IsNullAsync("users", "inactive_notice_at", user));

        _h.Clock.Advance(2 * Day);
        var noticed = await _h.RunAsync();
        Assert.Equal(1, await NoticesAsync(user));
        Assert.True(noticed[RetentionSteps.InactiveNotices] >= 1);
        Assert.True(await _h.Panel.ScalarAsync<bool>("SELECT inactive_notice_at = $2 FROM users WHERE id = $1", user, _h.Now));
        Assert.True(await _h.Panel.ScalarAsync<bool>("""
            SELECT (payload->>'anonymize_after')::timestamptz = $2 AND (payload->>'balance')::numeric = $3
            FROM notifications WHERE user_id = $1 AND kind = 'account_inactive_notice'
            """, user, _h.Now + _h.Options.InactiveGrace, balance));

        await _h.RunAsync();
        Assert.Equal(1, await NoticesAsync(user));

        _h.Clock.Advance(_h.Options.InactiveGrace - Day);
        await _h.RunAsync();
        Assert.True(await _h.IsNullAsync("users", "anonymized_at", user));
        Assert.Equal("someone@example.com", await _h.ValueAsync<string>("users", "email", user));

        _h.Clock.Advance(2 * Day);
        var anonymized = await _h.RunAsync();
        Assert.False(await _h.IsNullAsync("users", "anonymized_at", user));
        Assert.Equal($"erased:{user}", await _h.ValueAsync<string>("users", "username", user));
        Assert.Equal("deleted", await _h.ValueAsync<string>("users", "status", user));
        Assert.Equal("", await _h.ValueAsync<string>("orders", "link", order));
        Assert.True(anonymized[RetentionSteps.InactiveAccounts] >= 1);
        Assert.Equal(balance, await _h.Panel.BalanceAsync(user));
        Assert.Equal(balance, await _h.Panel.LedgerSumAsync(user));
    }

    [Fact]
    public async Task A_user_who_comes_back_after_the_notice_is_not_anonymized_and_a_later_inactivity_starts_over()
    {
        var user = await _h.UserAsync(_h.Now - _h.Options.InactiveNotice - Day);
        await _h.RunAsync();
        Assert.Equal(1, await NoticesAsync(user));

        _h.Clock.Advance(TimeSpan.FromDays(10));
        await _h.Panel.ExecuteAsync("UPDATE users SET last_active_at = $2 WHERE id = $1", user, _h.Now);
        _h.Clock.Advance(_h.Options.InactiveGrace);
        var report = await _h.RunAsync();

        Assert.True(await _h.IsNullAsync("users", "anonymized_at", user));
        Assert.True(await _h.IsNullAsync("users", "inactive_notice_at", user));
        Assert.True(report[RetentionSteps.InactiveReturned] >= 1);

        _h.Clock.Advance(_h.Options.InactiveNotice - _h.Options.InactiveGrace + Day);
        await _h.RunAsync();

        Assert.Equal(2, await NoticesAsync(user));
        Assert.False(await _h.IsNullAsync("users", "inactive_notice_at", user));
        Assert.True(await _h.IsNullAsync("users", "anonymized_at", user));
    }

    [Fact]
    public async Task An_account_with_an_order_still_running_gets_no_notice()
    {
        var (user, service) = await _h.CustomerAsync(_h.Now - _h.Options.InactiveNotice - Day);
        await _h.Panel.PlaceOrderAsync(user, service, "https://instagram.com/p/1", 100);

        await _h.RunAsync();

        Assert.Equal(0, await NoticesAsync(user));
    }

    private Task<long> NoticesAsync(long user) =>
        _h.Panel.ScalarAsync<long>("SELECT count(*) FROM notifications WHERE user_id = $1 AND kind = 'account_inactive_notice'", user);
}
