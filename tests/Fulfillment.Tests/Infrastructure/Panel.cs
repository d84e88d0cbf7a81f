using Npgsql;

namespace Fulfillment.Tests.Infrastructure;

/// <summary>What a panel does in the database, for arranging tests: rows and calls to the write API.</summary>
public sealed class Panel(NpgsqlDataSource db)
{
    public NpgsqlDataSource DataSource => db;

    public async Task<long> CreateUserAsync(string? username = null, decimal deposit = 0m)
    {
        var id = await ScalarAsync<long>("INSERT INTO users (username, email) VALUES ($1, $2) RETURNING id",
            username ?? $"user_{Guid.NewGuid():N}", "someone@example.com");
        if (deposit > 0)
        {
            await DepositAsync(id, deposit, $"dep-{Guid.NewGuid():N}");
        }

        return id;
    }

    public Task<long> DepositAsync(long userId, decimal amount, string reference) =>
        ScalarAsync<long>("SELECT deposit($1, $2, $3)", userId, amount, reference);

    public Task<long> CreateProviderAsync(string? name = null, string url = "http://127.0.0.1:1/api/v2", string key = "secret-key") =>
        ScalarAsync<long>("INSERT INTO providers (name, api_url, api_key) VALUES ($1, $2, $3) RETURNING id",
            name ?? $"provider_{Guid.NewGuid():N}", url, key);

    public async Task<long> CreateServiceAsync(
        long providerId, decimal? rate = 1.0m, int min = 10, int max = 10_000, string type = "Default",
        bool cancel = false, bool refill = false, string providerServiceId = "1", bool enabled = true) =>
        await ScalarAsync<long>("""
            INSERT INTO services (name, type, provider_id, provider_service_id, rate, min, max, cancel, refill, enabled)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id
            """, $"service_{Guid.NewGuid():N}", type, providerId, providerServiceId, (object?)rate ?? DBNull.Value, min, max, cancel, refill, enabled);

    public Task<long> PlaceOrderAsync(long userId, long serviceId, string link, int quantity, string @params = "{}") =>
        ScalarAsync<long>("SELECT place_order($1, $2, $3, $4, $5::jsonb)", userId, serviceId, link, quantity, @params);

    public async Task<T> ScalarAsync<T>(string sql, params object?[] args)
    {
        await using var command = db.CreateCommand(sql);
        foreach (var a in args)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = a ?? DBNull.Value });
        }

        var result = await command.ExecuteScalarAsync();
        if (result is null or DBNull)
        {
            return default!;
        }

        return (T)Convert.ChangeType(result, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T), System.Globalization.CultureInfo.InvariantCulture)!;
    }

    public async Task<int> ExecuteAsync(string sql, params object?[] args)
    {
        await using var command = db.CreateCommand(sql);
        foreach (var a in args)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = a ?? DBNull.Value });
        }

        return await command.ExecuteNonQueryAsync();
    }

    public Task<decimal> BalanceAsync(long userId) => ScalarAsync<decimal>("SELECT balance FROM users WHERE id = $1", userId);

    public Task<decimal> LedgerSumAsync(long userId) =>
        ScalarAsync<decimal>("SELECT coalesce(sum(amount), 0) FROM ledger WHERE user_id = $1", userId);

    /// <summary>Counts of every table plus all balances: equal before and after means nothing changed.</summary>
    public Task<string> SnapshotAsync() => ScalarAsync<string>("""
        SELECT concat_ws('|',
            (SELECT count(*) FROM users), (SELECT count(*) FROM orders), (SELECT count(*) FROM ledger),
            (SELECT count(*) FROM order_requests), (SELECT count(*) FROM order_events), (SELECT count(*) FROM notifications),
            (SELECT count(*) FROM erasure_requests),
            (SELECT coalesce(string_agg(id || ':' || balance || ':' || status, ',' ORDER BY id), '') FROM users),
            (SELECT coalesce(string_agg(id || ':' || status, ',' ORDER BY id), '') FROM orders))
        """);
}
