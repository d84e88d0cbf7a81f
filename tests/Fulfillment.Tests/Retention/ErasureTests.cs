using Fulfillment.Engine.Configuration;
using Fulfillment.Engine.Retention;
using Fulfillment.Tests.Infrastructure;

namespace Fulfillment.Tests.Retention;

/// <summary>Erasure requests (002 §8, 004 Privacy 4.1.2): personal data erased within the window, the ledger kept.</summary>
public sealed class ErasureTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private readonly RetentionHarness _h = new(fixture.DataSource);

    [Fact]
    public async Task An_erasure_request_erases_identity_activity_tickets_and_order_links_and_keeps_the_ledger()
    {
        var (user, service) = await _h.CustomerAsync(_h.Now, deposit: 10m);
        var (other, _) = await _h.CustomerAsync(_h.Now);
        var order = await _h.FinishedOrderAsync(user, service, _h.Now - TimeSpan.FromDays(3));
        var activity = await _h.ActivityAsync(user, _h.Now - TimeSpan.FromDays(1));
        var otherActivity = await _h.ActivityAsync(other, _h.Now - TimeSpan.FromDays(1));
        var ticket = await _h.Panel.ScalarAsync<long>("INSERT INTO support_tickets (user_id, subject) VALUES ($1, 'hi') RETURNING id", user);
        var message = await _h.Panel.ScalarAsync<long>("INSERT INTO support_messages (ticket_id, body) VALUES ($1, 'call me') RETURNING id", ticket);
        var request = await _h.Panel.ScalarAsync<long>("SELECT request_erasure($1)", user);
        var secondUser = await _h.UserAsync(_h.Now);
        await _h.Panel.ScalarAsync<long>("SELECT request_erasure($1)", secondUser);
        var balance = await _h.Panel.BalanceAsync(user);
        var ledgerRows = await _h.Panel.ScalarAsync<long>("SELECT count(*) FROM ledger WHERE user_id = $1", user);

        var report = await _h.RunAsync();

        Assert.Equal($"erased:{user}", await _h.ValueAsync<string>("users", "username", user));
        Assert.Equal($"erased:{secondUser}", await _h.ValueAsync<string>("users", "username", secondUser));
        Assert.True(await _h.IsNullAsync("users", "email", user));
        Assert.Equal("deleted", await _h.ValueAsync<string>("users", "status", user));
        Assert.False(await _h.ExistsAsync("activity_log", activity));
        Assert.False(await _h.ExistsAsync("support_tickets", ticket));
        Assert.False(await _h.ExistsAsync("support_messages", message));
        Assert.Equal("", await _h.ValueAsync<string>("orders", "link", order));
        Assert.Equal("{}", await _h.ValueAsync<string>("orders", "params::text", order));
        Assert.Equal(100, await _h.ValueAsync<int>("orders", "quantity", order));
        Assert.True(await _h.Panel.ScalarAsync<bool>("SELECT completed_at = $2 FROM erasure_requests WHERE id = $1", request, _h.Now));
        Assert.Equal(balance, await _h.Panel.BalanceAsync(user));
        Assert.Equal(balance, await _h.Panel.LedgerSumAsync(user));
        Assert.Equal(ledgerRows, await _h.Panel.ScalarAsync<long>("SELECT count(*) FROM ledger WHERE user_id = $1", user));
        Assert.Equal(2, report[RetentionSteps.ErasedUsers]);
        Assert.Equal(2, report[RetentionSteps.ErasureRequests]);

        Assert.True(await _h.ExistsAsync("activity_log", otherActivity));
        Assert.Equal("someone@example.com", await _h.ValueAsync<string>("users", "email", other));
    }

    [Fact]
    public async Task An_order_still_running_keeps_its_link_until_it_finishes_and_only_then_is_the_request_completed()
    {
        var (user, service) = await _h.CustomerAsync(_h.Now, deposit: 10m);
        var order = await _h.Panel.PlaceOrderAsync(user, service, "https://instagram.com/p/running", 100);
        var request = await _h.Panel.ScalarAsync<long>("SELECT request_erasure($1)", user);

        await _h.RunAsync();

        Assert.Equal($"erased:{user}", await _h.ValueAsync<string>("users", "username", user));
        Assert.Equal("https://instagram.com/p/running", await _h.ValueAsync<string>("orders", "link", order));
        Assert.True(await _h.IsNullAsync("erasure_requests", "completed_at", request));

        _h.Clock.Advance(TimeSpan.FromDays(2));
        await _h.Panel.ExecuteAsync("SELECT fulfillment_finish_order($1, 'completed', 0, NULL, $2)", order, _h.Now);
        var report = await _h.RunAsync();

        Assert.Equal("", await _h.ValueAsync<string>("orders", "link", order));
        Assert.True(await _h.Panel.ScalarAsync<bool>("SELECT completed_at = $2 FROM erasure_requests WHERE id = $1", request, _h.Now));
        Assert.Equal(1, report[RetentionSteps.ErasedOrders]);
    }

    [Fact]
    public async Task An_erasure_leaves_no_copy_of_the_users_link_handle_email_or_free_text_anywhere()
    {
        _h.Options.DisputeHold = TimeSpan.Zero;
        var needle = $"needle{Guid.NewGuid():N}"[..20];
        var (user, service) = await _h.CustomerAsync(_h.Now, deposit: 10m);
        await _h.Panel.ExecuteAsync("UPDATE users SET email = $2 WHERE id = $1", user, needle + "@example.com");
        var link = $"https://instagram.com/{needle}";
        // A finished order whose error, events and requests quote the link, as provider refusals and checks do.
        var finished = await _h.Panel.PlaceOrderAsync(user, service, link, 100, $$"""{"username": "{{needle}}"}""");
        await _h.Panel.ExecuteAsync("INSERT INTO order_events (order_id, kind, detail) VALUES ($1, 'held', jsonb_build_object('reason', $2::text))",
            finished, $"Held: provider says active order for {link}");
        await _h.Panel.ExecuteAsync("INSERT INTO order_requests (order_id, kind, status, message) VALUES ($1, 'refill', 'rejected', $2)",
            finished, $"The provider refused the refill: no order for {link}");
        await _h.Panel.ExecuteAsync("SELECT fulfillment_finish_order($1, 'failed', NULL, $2, $3)", finished, $"Refused by provider x: bad link {link}", _h.Now);
        // One still running when the erasure runs: it finishes afterwards.
        var running = await _h.Panel.PlaceOrderAsync(user, service, link + "/2", 100);
        await _h.Panel.ExecuteAsync("UPDATE orders SET status = 'in_progress', provider_order_id = '9' WHERE id = $1", running);
        // Blocked with a free-text reason, and its balance forfeited into the append-only ledger.
        await _h.Panel.ExecuteAsync("SELECT block_user($1, $2)", user, $"chargeback, contact {needle}@example.com");
        await _h.Panel.ExecuteAsync("UPDATE users SET blocked_at = $2 WHERE id = $1", user, _h.Now);
        await new Fulfillment.Engine.Blocking.BlockedAccounts(_h.Panel.DataSource,
            Microsoft.Extensions.Options.Options.Create(new Fulfillment.Engine.Configuration.RequestOptions()), _h.Clock,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<Fulfillment.Engine.Blocking.BlockedAccounts>.Instance).RunAsync(CancellationToken.None);
        await _h.Panel.ScalarAsync<long>("SELECT request_erasure($1)", user);

        await _h.RunAsync();
        await _h.Panel.ExecuteAsync("SELECT fulfillment_finish_order($1, 'canceled', NULL, $2, $3)", running, $"canceled upstream: {link}/2", _h.Now);
        await _h.RunAsync();

        Assert.Equal(0L, await _h.Panel.ScalarAsync<long>("SELECT count(*) FROM notifications WHERE order_id = $1", running));
        Assert.False(await _h.IsNullAsync("users", "anonymized_at", user));
        Assert.Equal(await _h.Panel.BalanceAsync(user), await _h.Panel.LedgerSumAsync(user));
        // Every row of every table, as text: the needle is nowhere.
        var tables = await _h.Panel.ScalarAsync<string>(
            "SELECT string_agg(quote_ident(table_name), ',') FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'");
        foreach (var table in tables.Split(','))
        {
            Assert.True(0L == await _h.Panel.ScalarAsync<long>($"SELECT count(*) FROM {table} t WHERE t::text LIKE '%' || $1 || '%'", needle), $"{table} still holds it");
        }
    }

    [Fact]
    public async Task A_blocked_account_is_not_erased_during_its_dispute_hold_and_is_erased_after_it()
    {
        var (user, _) = await _h.CustomerAsync(_h.Now, deposit: 10m);
        await _h.Panel.ExecuteAsync("SELECT block_user($1, 'chargeback')", user);
        await _h.Panel.ExecuteAsync("UPDATE users SET blocked_at = $2 WHERE id = $1", user, _h.Now);
        var request = await _h.Panel.ScalarAsync<long>("SELECT request_erasure($1)", user);
        await _h.Panel.ExecuteAsync("UPDATE erasure_requests SET requested_at = $2 WHERE id = $1", request, _h.Now);

        var held = await _h.RunAsync();
        Assert.True(await _h.IsNullAsync("users", "anonymized_at", user));
        Assert.Equal(1, held.HeldErasureRequests);
        Assert.Equal(0, held.OverdueErasureRequests);

        _h.Clock.Advance(_h.Options.ErasureWindow + RetentionHarness.Day);
        var overdue = await _h.RunAsync();
        Assert.True(await _h.IsNullAsync("users", "anonymized_at", user));
        Assert.Equal(1, overdue.OverdueErasureRequests);

        _h.Clock.Advance(_h.Options.DisputeHold - _h.Options.ErasureWindow);
        await _h.RunAsync();

        Assert.Equal($"erased:{user}", await _h.ValueAsync<string>("users", "username", user));
        Assert.Equal("blocked", await _h.ValueAsync<string>("users", "status", user));
        Assert.False(await _h.IsNullAsync("erasure_requests", "completed_at", request));
        Assert.Equal(await _h.Panel.BalanceAsync(user), await _h.Panel.LedgerSumAsync(user));
    }

    [Fact]
    public async Task With_no_dispute_hold_a_blocked_account_is_erased_at_once()
    {
        _h.Options.DisputeHold = TimeSpan.Zero;
        var user = await _h.UserAsync(_h.Now);
        await _h.Panel.ExecuteAsync("SELECT block_user($1, 'fraud')", user);
        await _h.Panel.ExecuteAsync("UPDATE users SET blocked_at = $2 WHERE id = $1", user, _h.Now);
        await _h.Panel.ScalarAsync<long>("SELECT request_erasure($1)", user);

        await _h.RunAsync();

        Assert.False(await _h.IsNullAsync("users", "anonymized_at", user));
    }
}
