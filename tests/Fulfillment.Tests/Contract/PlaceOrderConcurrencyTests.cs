using Fulfillment.Tests.Infrastructure;
using Npgsql;

namespace Fulfillment.Tests.Contract;

public sealed class PlaceOrderConcurrencyTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private readonly Panel _panel = new(fixture.DataSource);

    [Fact]
    public async Task Hundred_concurrent_orders_against_a_balance_for_sixty_place_exactly_sixty_and_notify_each()
    {
        var provider = await _panel.CreateProviderAsync();
        var service = await _panel.CreateServiceAsync(provider, rate: 1.5m, min: 10, max: 100_000);
        // Each order of 1000 costs 1.5; 90.75 covers 60 of them, leaving 0.75.
        var user = await _panel.CreateUserAsync(deposit: 90.75m);

        var notified = new System.Collections.Concurrent.ConcurrentBag<long>();
        await using var listener = new NpgsqlConnection(fixture.ConnectionString);
        await listener.OpenAsync();
        listener.Notification += (_, e) => notified.Add(long.Parse(e.Payload, System.Globalization.CultureInfo.InvariantCulture));
        await using (var listen = new NpgsqlCommand("LISTEN fulfillment_orders", listener))
        {
            await listen.ExecuteNonQueryAsync();
        }

        var results = await Task.WhenAll(Enumerable.Range(0, 100).Select(async i =>
        {
            try
            {
                return (Id: await _panel.PlaceOrderAsync(user, service, $"https://instagram.com/p/{i}", 1000), Error: (string?)null);
            }
            catch (PostgresException ex)
            {
                return (Id: 0L, Error: ex.MessageText);
            }
        }));

        var placed = results.Where(r => r.Error is null).Select(r => r.Id).ToHashSet();
        Assert.Equal(60, placed.Count);
        Assert.All(results.Where(r => r.Error is not null), r => Assert.StartsWith("insufficient_balance: ", r.Error!, StringComparison.Ordinal));
        Assert.Equal(60L, await _panel.ScalarAsync<long>("SELECT count(*) FROM orders WHERE user_id = $1", user));
        Assert.Equal(0.75m, await _panel.BalanceAsync(user));
        Assert.Equal(0.75m, await _panel.LedgerSumAsync(user));
        Assert.Equal(60L, await _panel.ScalarAsync<long>("SELECT count(*) FROM ledger WHERE user_id = $1 AND kind = 'charge'", user));

        // Notifications arrive asynchronously on the listening connection.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (notified.Count < 60 && DateTime.UtcNow < deadline)
        {
            await listener.WaitAsync(TimeSpan.FromMilliseconds(200));
        }

        Assert.Equal(placed.Order(), notified.Order());
    }
}
