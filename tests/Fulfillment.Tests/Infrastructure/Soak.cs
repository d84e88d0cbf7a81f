using System.Diagnostics;
using Fulfillment.Simulator;
using Fulfillment.Worker.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Fulfillment.Tests.Infrastructure;

/// <summary>
/// A cluster soak: several engine instances (Service mode, as <c>run</c> builds them) in this process on one database,
/// orders placed through <c>place_order</c> against a simulator, until every order of the run has settled.
/// <paramref name="tamper"/> is a test seam: it may replace engine services, to prove a broken engine is caught. The
/// provider row is named <paramref name="label"/>, so <paramref name="engineSettings"/> may override its options.
/// </summary>
public static class Soak
{
    public static readonly string[] Settled = ["completed", "partial", "canceled", "failed", "review"];

    /// <returns>The simulator (the caller disposes it) and the provider row pointing at it.</returns>
    public static async Task<(ProviderSimulator Simulator, long Provider)> RunAsync(
        DatabaseFixture fixture, string label, int orders, int instances, SimulatorSettings settings, Action<IServiceCollection>? tamper = null,
        params string[] engineSettings)
    {
        var panel = new Panel(fixture.DataSource);
        settings.ApiKey = $"{label}-{Guid.NewGuid():N}";
        var simulator = await ProviderSimulator.StartAsync(settings);
        var provider = await panel.CreateProviderAsync(label, simulator.ApiUrl.ToString(), settings.ApiKey);
        var service = await panel.CreateServiceAsync(provider, rate: 0.9m, min: 50, max: 10_000, providerServiceId: "1");
        var users = new List<long>();
        for (var i = 0; i < Math.Max(1, orders / 100); i++)
        {
            users.Add(await panel.CreateUserAsync(deposit: 1000m));
        }

        var hosts = Enumerable.Range(0, instances).Select(i =>
        {
            var builder = EngineHost.CreateBuilder(EngineMode.Service, [.. FastEngine.Settings(fixture.ConnectionString, $"{label}-{i}"), .. engineSettings]);
            tamper?.Invoke(builder.Services);
            return builder.Build();
        }).ToList();
        await Task.WhenAll(hosts.Select(h => h.StartAsync()));
        try
        {
            var random = new Random(3);
            var quantities = Enumerable.Range(0, orders).Select(_ => random.Next(50, 1001)).ToArray();
            var placing = Stopwatch.StartNew();
            await Parallel.ForEachAsync(Enumerable.Range(0, orders), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
                await panel.PlaceOrderAsync(users[i % users.Count], service, $"https://instagram.com/p/{label}{i}", quantities[i]));
            Console.WriteLine($"{label}: placed {orders} orders in {placing.Elapsed}");

            var settling = Stopwatch.StartNew();
            var reported = TimeSpan.Zero;
            await Poll.UntilAsync(
                async () =>
                {
                    if (settling.Elapsed - reported >= TimeSpan.FromSeconds(10))
                    {
                        reported = settling.Elapsed;
                        Console.WriteLine($"{label} {settling.Elapsed:mm\\:ss}: {await CountsAsync(panel, provider)}");
                    }

                    return await panel.ScalarAsync<long>(
                        "SELECT count(*) FROM orders o JOIN services s ON s.id = o.service_id WHERE s.provider_id = $1 AND o.status <> ALL($2)", provider, Settled);
                },
                open => open == 0, TimeSpan.FromMinutes(4), $"{label}: every order to settle",
                async _ => await CountsAsync(panel, provider) + "; unsettled: " + await panel.ScalarAsync<string>("""
                    SELECT string_agg(concat_ws(' ', o.id, o.status, o.provider_order_id, o.provider_status, o.remains, o.error, o.next_check_at, o.next_attempt_at), ' | ')
                    FROM (SELECT o.* FROM orders o JOIN services s ON s.id = o.service_id WHERE s.provider_id = $1 AND o.status <> ALL($2) LIMIT 5) o
                    """, provider, Settled));
            Console.WriteLine($"{label}: {orders} orders settled {settling.Elapsed} after the last place_order");
        }
        finally
        {
            await Task.WhenAll(hosts.Select(h => h.StopAsync()));
            hosts.ForEach(h => h.Dispose());
        }

        return (simulator, provider);
    }

    private static Task<string> CountsAsync(Panel panel, long provider) => panel.ScalarAsync<string>("""
        SELECT string_agg(status || '=' || n, ', ' ORDER BY status)
        FROM (SELECT o.status, count(*) n FROM orders o JOIN services s ON s.id = o.service_id WHERE s.provider_id = $1 GROUP BY o.status) c
        """, provider);
}
