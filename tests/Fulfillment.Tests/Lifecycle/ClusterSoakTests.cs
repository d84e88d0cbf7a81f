using System.Diagnostics;
using Fulfillment.Simulator;
using Fulfillment.Tests.Infrastructure;
using Fulfillment.Worker.Hosting;
using Microsoft.Extensions.Hosting;

namespace Fulfillment.Tests.Lifecycle;

/// <summary>
/// Several engine instances in one process on one database, against a faulty simulator. The
/// invariants are checked against the simulator's own record and the ledger.
/// </summary>
public sealed class ClusterSoakTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private readonly Panel _panel = new(fixture.DataSource);

    private string[] Settings(string name) => FastEngine.Settings(fixture.ConnectionString, name);

    [Fact]
    public async Task Four_instances_and_five_thousand_orders_through_a_faulty_provider_keep_every_invariant()
    {
        const int orders = 5000;
        await using var simulator = await ProviderSimulator.StartAsync(new SimulatorSettings
        {
            ApiKey = "soak-key",
            Seed = 7,
            FaultRate = 0.10,
            SpeedFactor = 200,
            PartialProbability = 0.2,
            CanceledProbability = 0.1,
            AltStatusSpellingRate = 0.3,
            StringNumbersRate = 0.5,
        });
        var provider = await _panel.CreateProviderAsync("soak", simulator.ApiUrl.ToString(), "soak-key");
        var service = await _panel.CreateServiceAsync(provider, rate: 0.9m, min: 50, max: 10_000, providerServiceId: "1");
        var users = new List<long>();
        for (var i = 0; i < 50; i++)
        {
            users.Add(await _panel.CreateUserAsync(deposit: 1000m));
        }

        var hosts = Enumerable.Range(0, 4).Select(i => EngineHost.CreateBuilder(EngineMode.Service, Settings($"soak-{i}")).Build()).ToList();
        await Task.WhenAll(hosts.Select(h => h.StartAsync()));
        try
        {
            var random = new Random(3);
            var quantities = Enumerable.Range(0, orders).Select(_ => random.Next(50, 1001)).ToArray();
            var placing = Stopwatch.StartNew();
            await Parallel.ForEachAsync(Enumerable.Range(0, orders), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
                await _panel.PlaceOrderAsync(users[i % users.Count], service, $"https://instagram.com/p/soak{i}", quantities[i]));

            Console.WriteLine($"soak: placed {orders} orders in {placing.Elapsed}");
            var settled = Stopwatch.StartNew();
            while (await _panel.ScalarAsync<long>(
                "SELECT count(*) FROM orders WHERE status NOT IN ('completed', 'partial', 'canceled', 'failed', 'review')") > 0)
            {
                Assert.True(settled.Elapsed < TimeSpan.FromMinutes(4), "orders did not settle: " + await _panel.ScalarAsync<string>(
                    "SELECT string_agg(status || '=' || n, ', ') FROM (SELECT status, count(*) n FROM orders GROUP BY status) s") + "; unsettled: " +
                    await _panel.ScalarAsync<string>("""
                        SELECT string_agg(concat_ws(' ', id, status, provider_order_id, provider_status, remains, error, next_check_at, next_attempt_at), ' | ')
                        FROM (SELECT * FROM orders WHERE status NOT IN ('completed', 'partial', 'canceled', 'failed', 'review') LIMIT 5) o
                        """));
                await Task.Delay(500);
                if (settled.Elapsed.Seconds % 10 == 0 && settled.Elapsed.Milliseconds < 500)
                {
                    Console.WriteLine($"soak {settled.Elapsed:mm\\:ss}: " + await _panel.ScalarAsync<string>(
                        "SELECT string_agg(status || '=' || n, ', ') FROM (SELECT status, count(*) n FROM orders GROUP BY status) s"));
                }
            }

            Console.WriteLine($"soak: {orders} orders settled in {settled.Elapsed}");
        }
        finally
        {
            await Task.WhenAll(hosts.Select(h => h.StopAsync()));
            hosts.ForEach(h => h.Dispose());
        }

        var statuses = await Invariants.AssertAllAsync(fixture.DataSource, simulator, orders, "soak");

        // The faults really happened, and most orders still went through.
        Assert.True(statuses.GetValueOrDefault("completed") > orders / 2, string.Join(", ", statuses));
        Assert.True(statuses.GetValueOrDefault("partial") > 0 && statuses.GetValueOrDefault("review") > 0, string.Join(", ", statuses));
    }
}
