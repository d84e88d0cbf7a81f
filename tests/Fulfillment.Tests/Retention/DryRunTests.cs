using Fulfillment.Engine.Retention;
using Fulfillment.Tests.Infrastructure;

namespace Fulfillment.Tests.Retention;

public sealed class DryRunTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private static readonly TimeSpan Day = RetentionHarness.Day;
    private readonly RetentionHarness _h = new(fixture.DataSource);

    [Fact]
    public async Task A_dry_run_changes_nothing_and_counts_what_the_real_run_then_changes()
    {
        var o = _h.Options;
        var (customer, service) = await _h.CustomerAsync(_h.Now);
        for (var i = 0; i < 5; i++)
        {
            await _h.ActivityAsync(customer, _h.Now - o.ActivityLog - Day);
        }

        await _h.Panel.ExecuteAsync("INSERT INTO support_tickets (user_id, created_at) VALUES ($1, $2)", customer, _h.Now - o.SupportTickets - Day);
        await _h.Panel.ExecuteAsync("INSERT INTO notifications (user_id, kind, created_at, sent_at) VALUES ($1, 'refund', $2, $2)",
            customer, _h.Now - o.SentNotifications - Day);
        await _h.FinishedOrderAsync(customer, service, _h.Now - o.TransactionRecords - Day);
        await _h.UserAsync(_h.Now - o.InactiveNotice - Day);
        var erased = await _h.UserAsync(_h.Now);
        await _h.Panel.ScalarAsync<long>("SELECT request_erasure($1)", erased);
        var before = await SnapshotAsync();

        o.DryRun = true;
        var dry = await _h.RunAsync();

        Assert.Equal(before, await SnapshotAsync());
        Assert.True(dry.DryRun);

        o.DryRun = false;
        var real = await _h.RunAsync();

        Assert.NotEqual(before, await SnapshotAsync());
        foreach (var step in new[]
                 {
                     RetentionSteps.ErasedUsers, RetentionSteps.InactiveNotices, RetentionSteps.ActivityLog, RetentionSteps.SupportTickets,
                     RetentionSteps.SentNotifications, RetentionSteps.OrdersAnonymized,
                 })
        {
            Assert.True(dry[step] > 0, $"{step}: the dry run counted nothing");
            Assert.Equal(dry[step], real[step]);
        }
    }

    /// <summary>Every row of every table retention touches, hashed: equal means nothing changed.</summary>
    private Task<string> SnapshotAsync() => _h.Panel.ScalarAsync<string>("""
        SELECT md5(string_agg(r, '|' ORDER BY r)) FROM (
            SELECT 'u' || t::text AS r FROM users t UNION ALL
            SELECT 'o' || t::text FROM orders t UNION ALL
            SELECT 'l' || t::text FROM ledger t UNION ALL
            SELECT 'e' || t::text FROM order_events t UNION ALL
            SELECT 'n' || t::text FROM notifications t UNION ALL
            SELECT 'a' || t::text FROM activity_log t UNION ALL
            SELECT 's' || t::text FROM support_tickets t UNION ALL
            SELECT 'm' || t::text FROM support_messages t UNION ALL
            SELECT 'r' || t::text FROM erasure_requests t) rows
        """);
}
