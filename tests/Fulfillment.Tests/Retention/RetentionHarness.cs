using Fulfillment.Engine.Retention;
using Fulfillment.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Fulfillment.Tests.Retention;

/// <summary>A retention runner on a test database with a fake clock, and the rows the tests arrange.</summary>
public sealed class RetentionHarness(NpgsqlDataSource db)
{
    public static readonly TimeSpan Day = TimeSpan.FromDays(1);

    public FakeTimeProvider Clock { get; } = new(Truncated(DateTimeOffset.UtcNow));
    public Panel Panel { get; } = new(db);

    /// <summary>The shipped defaults, without pauses (the fake clock would never end one) and with small batches, so tests cross batch boundaries.</summary>
    public RetentionOptions Options { get; } = new() { BatchPause = TimeSpan.Zero, BatchSize = 3, UserBatchSize = 2 };

    public DateTimeOffset Now => Clock.GetUtcNow();

    public Task<RetentionReport> RunAsync() =>
        new RetentionRunner(db, Microsoft.Extensions.Options.Options.Create(Options), Clock, NullLogger<RetentionRunner>.Instance)
            .RunAsync(CancellationToken.None);

    public Task<long> ActivityAsync(long? userId, DateTimeOffset at, string ip = "203.0.113.7") =>
        Panel.ScalarAsync<long>("INSERT INTO activity_log (user_id, ip, action, created_at) VALUES ($1, $2, 'login', $3) RETURNING id",
            userId, ip, at);

    public async Task<long> UserAsync(DateTimeOffset lastActive, decimal deposit = 0m)
    {
        var user = await Panel.CreateUserAsync(deposit: deposit);
        await Panel.ExecuteAsync("UPDATE users SET created_at = $2, last_active_at = $2 WHERE id = $1", user, lastActive);
        return user;
    }

    /// <summary>An order placed through place_order (so it has a charge row) and finished at <paramref name="finishedAt"/>.</summary>
    public async Task<long> FinishedOrderAsync(long user, long service, DateTimeOffset finishedAt, string status = "completed", string link = "https://instagram.com/someone")
    {
        var order = await Panel.PlaceOrderAsync(user, service, link, 100, """{"comments":"nice pic"}""");
        await Panel.ExecuteAsync("SELECT fulfillment_finish_order($1, $2, 0, NULL, $3)", order, status, finishedAt);
        return order;
    }

    public async Task<(long User, long Service)> CustomerAsync(DateTimeOffset lastActive, decimal deposit = 100m)
    {
        var provider = await Panel.CreateProviderAsync();
        var service = await Panel.CreateServiceAsync(provider, rate: 1m);
        return (await UserAsync(lastActive, deposit), service);
    }

    public Task<bool> ExistsAsync(string table, long id) =>
        Panel.ScalarAsync<bool>($"SELECT EXISTS (SELECT 1 FROM {table} WHERE id = $1)", id);

    public Task<T> ValueAsync<T>(string table, string column, long id) =>
        Panel.ScalarAsync<T>($"SELECT {column} FROM {table} WHERE id = $1", id);

    public Task<bool> IsNullAsync(string table, string column, long id) =>
        Panel.ScalarAsync<bool>($"SELECT {column} IS NULL FROM {table} WHERE id = $1", id);

    // PostgreSQL keeps microseconds; a clock with ticks would not round-trip through timestamptz.
    private static DateTimeOffset Truncated(DateTimeOffset t) => new(t.Ticks - t.Ticks % 10, TimeSpan.Zero);
}
