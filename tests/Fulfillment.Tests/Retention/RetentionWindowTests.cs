using Fulfillment.Engine.Retention;
using Fulfillment.Tests.Infrastructure;

namespace Fulfillment.Tests.Retention;

/// <summary>Each retention window at its boundary: a day inside it the data is kept, a day past it the data is gone or anonymised.</summary>
public sealed class RetentionWindowTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private static readonly TimeSpan Day = RetentionHarness.Day;
    private readonly RetentionHarness _h = new(fixture.DataSource);

    [Fact]
    public async Task Activity_log_rows_are_deleted_a_year_after_they_were_written()
    {
        var window = _h.Options.ActivityLog;
        var expired = new List<long>();
        for (var i = 0; i < 7; i++)
        {
            expired.Add(await _h.ActivityAsync(null, _h.Now - window - Day - TimeSpan.FromHours(i)));
        }

        var kept = await _h.ActivityAsync(null, _h.Now - window + Day);

        var report = await _h.RunAsync();

        foreach (var id in expired)
        {
            Assert.False(await _h.ExistsAsync("activity_log", id));
        }

        Assert.True(await _h.ExistsAsync("activity_log", kept));
        Assert.True(report[RetentionSteps.ActivityLog] >= expired.Count);
        Assert.True(report.Steps.Single(s => s.Step == RetentionSteps.ActivityLog).Batches >= 3, "7 rows in batches of 3 take at least 3 batches");
    }

    [Fact]
    public async Task Support_tickets_and_their_messages_are_deleted_24_months_after_the_last_message()
    {
        var window = _h.Options.SupportTickets;
        var (user, _) = await _h.CustomerAsync(_h.Now);
        var expired = await TicketAsync(user, created: _h.Now - window - TimeSpan.FromDays(30), lastMessage: _h.Now - window - Day);
        var expiredMessage = await MessageAsync(expired, _h.Now - window - Day);
        var neverAnswered = await TicketAsync(user, created: _h.Now - window - Day, lastMessage: null);
        var kept = await TicketAsync(user, created: _h.Now - window - TimeSpan.FromDays(30), lastMessage: _h.Now - window + Day);
        var keptMessage = await MessageAsync(kept, _h.Now - window + Day);
        var staleColumn = await TicketAsync(user, created: _h.Now - window - TimeSpan.FromDays(30), lastMessage: _h.Now - window - Day);
        await MessageAsync(staleColumn, _h.Now - TimeSpan.FromDays(3));

        await _h.RunAsync();

        Assert.False(await _h.ExistsAsync("support_tickets", expired));
        Assert.False(await _h.ExistsAsync("support_messages", expiredMessage));
        Assert.False(await _h.ExistsAsync("support_tickets", neverAnswered));
        Assert.True(await _h.ExistsAsync("support_tickets", kept));
        Assert.True(await _h.ExistsAsync("support_messages", keptMessage));
        Assert.True(await _h.ExistsAsync("support_tickets", staleColumn));
    }

    [Fact]
    public async Task Sent_notifications_are_deleted_90_days_after_sending_and_unsent_ones_are_kept()
    {
        var window = _h.Options.SentNotifications;
        var (user, _) = await _h.CustomerAsync(_h.Now);
        var expired = await NotificationAsync(user, created: _h.Now - window - TimeSpan.FromDays(2), sent: _h.Now - window - Day);
        var kept = await NotificationAsync(user, created: _h.Now - window - TimeSpan.FromDays(2), sent: _h.Now - window + Day);
        var unsent = await NotificationAsync(user, created: _h.Now - TimeSpan.FromDays(1000), sent: null);

        await _h.RunAsync();

        Assert.False(await _h.ExistsAsync("notifications", expired));
        Assert.True(await _h.ExistsAsync("notifications", kept));
        Assert.True(await _h.ExistsAsync("notifications", unsent));
    }

    [Fact]
    public async Task Activation_phone_and_codes_are_purged_a_week_after_the_activation_finished()
    {
        var window = _h.Options.ActivationData;
        var provider = await _h.Panel.CreateProviderAsync();
        var activation = await _h.Panel.CreateServiceAsync(provider, rate: 0.5m, min: 1, max: 1, type: "Activation");
        var user = await _h.UserAsync(_h.Now, deposit: 10m);
        var expired = await ActivationAsync(user, activation, _h.Now - window - Day);
        var kept = await ActivationAsync(user, activation, _h.Now - window + Day);

        var report = await _h.RunAsync();

        Assert.True(await _h.Panel.ScalarAsync<bool>(
            "SELECT NOT (result ?| array['phone', 'codes']) AND result ? 'purged_at' AND result->>'status' = 'ok' FROM orders WHERE id = $1", expired));
        Assert.Equal("STATUS_OK", await _h.ValueAsync<string>("orders", "provider_status", expired));
        Assert.Equal("+79991234567", await _h.Panel.ScalarAsync<string>("SELECT result->>'phone' FROM orders WHERE id = $1", kept));
        Assert.Equal("STATUS_OK:4711", await _h.ValueAsync<string>("orders", "provider_status", kept));
        Assert.Equal(1, report[RetentionSteps.ActivationData]);
    }

    [Fact]
    public async Task Orders_the_ledger_references_are_anonymized_after_the_transaction_record_period_not_deleted()
    {
        var window = _h.Options.TransactionRecords;
        var (user, service) = await _h.CustomerAsync(_h.Now);
        var expired = await _h.FinishedOrderAsync(user, service, _h.Now - window - Day, status: "partial");
        var kept = await _h.FinishedOrderAsync(user, service, _h.Now - window + Day);
        var balance = await _h.Panel.BalanceAsync(user);
        var ledger = await LedgerAsync(user);

        await _h.RunAsync();

        Assert.True(await _h.ExistsAsync("orders", expired));
        Assert.Equal("", await _h.ValueAsync<string>("orders", "link", expired));
        Assert.Equal("{}", await _h.ValueAsync<string>("orders", "params::text", expired));
        Assert.False(await _h.IsNullAsync("orders", "anonymized_at", expired));
        Assert.Equal("partial", await _h.ValueAsync<string>("orders", "status", expired));
        Assert.True(await _h.Panel.ScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM order_events WHERE order_id = $1)", expired));
        Assert.Equal("https://instagram.com/someone", await _h.ValueAsync<string>("orders", "link", kept));
        Assert.True(await _h.IsNullAsync("orders", "anonymized_at", kept));
        Assert.Equal(balance, await _h.Panel.BalanceAsync(user));
        Assert.Equal(ledger, await LedgerAsync(user));
        Assert.Equal(await _h.Panel.BalanceAsync(user), await _h.Panel.LedgerSumAsync(user));
    }

    [Fact]
    public async Task Unreferenced_orders_are_deleted_with_their_events_after_the_transaction_record_period()
    {
        var window = _h.Options.TransactionRecords;
        var (user, service) = await _h.CustomerAsync(_h.Now);
        var expired = await UnchargedOrderAsync(user, service, "completed", _h.Now - window - Day);
        var kept = await UnchargedOrderAsync(user, service, "completed", _h.Now - window + Day);
        var active = await UnchargedOrderAsync(user, service, "in_progress", null);
        await _h.Panel.ExecuteAsync("UPDATE orders SET created_at = $2, updated_at = $2 WHERE id = $1", active, _h.Now - window - TimeSpan.FromDays(400));

        await _h.RunAsync();

        Assert.False(await _h.ExistsAsync("orders", expired));
        Assert.False(await _h.Panel.ScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM order_events WHERE order_id = $1)", expired));
        Assert.True(await _h.ExistsAsync("orders", kept));
        Assert.True(await _h.IsNullAsync("orders", "anonymized_at", kept));
        Assert.True(await _h.ExistsAsync("orders", active));
        Assert.Equal("https://instagram.com/someone", await _h.ValueAsync<string>("orders", "link", active));
    }

    [Fact]
    public async Task A_deleted_account_is_anonymized_a_year_after_its_deletion()
    {
        var window = _h.Options.DeletedAccounts;
        var (expired, service) = await _h.CustomerAsync(_h.Now - window - TimeSpan.FromDays(10), deposit: 20m);
        var order = await _h.FinishedOrderAsync(expired, service, _h.Now - window - TimeSpan.FromDays(5));
        var activity = await _h.ActivityAsync(expired, _h.Now - window - TimeSpan.FromDays(5));
        await _h.Panel.ExecuteAsync("UPDATE users SET status = 'deleted', deleted_at = $2 WHERE id = $1", expired, _h.Now - window - Day);
        var (kept, _) = await _h.CustomerAsync(_h.Now - window);
        await _h.Panel.ExecuteAsync("UPDATE users SET status = 'deleted', deleted_at = $2 WHERE id = $1", kept, _h.Now - window + Day);
        var balance = await _h.Panel.BalanceAsync(expired);

        await _h.RunAsync();

        Assert.Equal($"erased:{expired}", await _h.ValueAsync<string>("users", "username", expired));
        Assert.True(await _h.IsNullAsync("users", "email", expired));
        Assert.False(await _h.IsNullAsync("users", "anonymized_at", expired));
        Assert.False(await _h.ExistsAsync("activity_log", activity));
        Assert.Equal("", await _h.ValueAsync<string>("orders", "link", order));
        Assert.Equal(balance, await _h.Panel.BalanceAsync(expired));
        Assert.Equal(balance, await _h.Panel.LedgerSumAsync(expired));
        Assert.StartsWith("user_", await _h.ValueAsync<string>("users", "username", kept), StringComparison.Ordinal);
        Assert.True(await _h.IsNullAsync("users", "anonymized_at", kept));
    }

    private Task<long> TicketAsync(long user, DateTimeOffset created, DateTimeOffset? lastMessage) =>
        _h.Panel.ScalarAsync<long>(
            "INSERT INTO support_tickets (user_id, subject, created_at, last_message_at) VALUES ($1, 'refund?', $2, $3) RETURNING id",
            user, created, lastMessage);

    private Task<long> MessageAsync(long ticket, DateTimeOffset at) =>
        _h.Panel.ScalarAsync<long>("INSERT INTO support_messages (ticket_id, body, created_at) VALUES ($1, 'my email is me@example.com', $2) RETURNING id", ticket, at);

    private Task<long> NotificationAsync(long user, DateTimeOffset created, DateTimeOffset? sent) =>
        _h.Panel.ScalarAsync<long>(
            "INSERT INTO notifications (user_id, kind, created_at, sent_at) VALUES ($1, 'order_completed', $2, $3) RETURNING id", user, created, sent);

    private async Task<long> ActivationAsync(long user, long service, DateTimeOffset finishedAt)
    {
        var order = await _h.Panel.PlaceOrderAsync(user, service, "", 1, """{"country":"0","service_code":"tg"}""");
        await _h.Panel.ExecuteAsync("""
            UPDATE orders SET result = '{"phone":"+79991234567","codes":["4711"],"status":"ok"}', provider_status = 'STATUS_OK:4711'
            WHERE id = $1
            """, order);
        await _h.Panel.ExecuteAsync("SELECT fulfillment_finish_order($1, 'completed', 0, NULL, $2)", order, finishedAt);
        return order;
    }

    private Task<long> UnchargedOrderAsync(long user, long service, string status, DateTimeOffset? finishedAt) =>
        _h.Panel.ScalarAsync<long>("""
            WITH o AS (
                INSERT INTO orders (user_id, service_id, link, quantity, charge, status, finished_at)
                VALUES ($1, $2, 'https://instagram.com/someone', 100, 0, $3, $4) RETURNING id),
            e AS (INSERT INTO order_events (order_id, kind) SELECT id, 'imported' FROM o)
            SELECT id FROM o
            """, user, service, status, finishedAt);

    private Task<string> LedgerAsync(long user) =>
        _h.Panel.ScalarAsync<string>("SELECT string_agg(id || ':' || amount || ':' || balance_after, ',' ORDER BY id) FROM ledger WHERE user_id = $1", user);
}
