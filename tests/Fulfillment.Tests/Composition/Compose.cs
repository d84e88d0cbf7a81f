using Fulfillment.Engine.Jobs;
using Fulfillment.Simulator;
using Fulfillment.Tests.Infrastructure;
using Npgsql;

namespace Fulfillment.Tests.Composition;

/// <summary>What the composition tests arrange and read: services, a second provider, drip-feed runs, and the engine driven on its schedule.</summary>
internal static class Compose
{
    public static string Link() => $"https://www.instagram.com/p/{Guid.NewGuid():N}";

    /// <summary>Every order the simulator accepts is delivered in full: no partial, no cancel of its own, no over-delivery.</summary>
    public static Action<SimulatorSettings> Steady(Action<SimulatorSettings>? more = null) => s =>
    {
        s.PartialProbability = 0;
        s.CanceledProbability = 0;
        s.OverDeliveryProbability = 0;
        more?.Invoke(s);
    };

    public sealed record Run(long Id, int Number, string Status, long? Remains, string Link, int Quantity, long? HeldBy);

    /// <summary>A Default service that sells drip-feed (services.dripfeed), mapped to simulator service <paramref name="upstream"/>.</summary>
    public static async Task<(long Provider, long Service)> DripFeedServiceAsync(EngineHarness engine, string mode, int upstream = 1, bool cancel = false,
        decimal rate = 2m, string? providerName = null)
    {
        var (provider, service) = await engine.CreateProviderAndServiceAsync(upstreamService: upstream, rate: rate, min: 10, max: 10_000, cancel: cancel,
            providerName: providerName);
        await engine.Panel.ExecuteAsync("UPDATE services SET dripfeed = true, dripfeed_mode = $2 WHERE id = $1", service, mode);
        return (provider, service);
    }

    /// <summary>A second provider (its own simulator on the engine's clock) and its provider row.</summary>
    public static async Task<(ProviderSimulator Simulator, long Provider)> SecondProviderAsync(EngineHarness engine, Action<SimulatorSettings>? configure = null)
    {
        var settings = new SimulatorSettings { ApiKey = $"b-{Guid.NewGuid():N}", Seed = 7 };
        configure?.Invoke(settings);
        var simulator = await ProviderSimulator.StartAsync(settings, engine.Clock);
        var provider = await engine.Panel.CreateProviderAsync($"b_{Guid.NewGuid():N}", simulator.ApiUrl.ToString(), settings.ApiKey);
        return (simulator, provider);
    }

    public static Task AddRouteAsync(EngineHarness engine, long service, int position, long provider, string upstream = "1") =>
        engine.Panel.ExecuteAsync("INSERT INTO service_routes (service_id, position, provider_id, provider_service_id) VALUES ($1, $2, $3, $4)",
            service, position, provider, upstream);

    public static async Task<List<Run>> RunsAsync(EngineHarness engine, long parent)
    {
        await using var command = engine.Panel.DataSource.CreateCommand(
            "SELECT id, run_number, status, remains, link, quantity, held_by FROM orders WHERE parent_id = $1 ORDER BY run_number");
        command.Parameters.Add(new NpgsqlParameter { Value = parent });
        var runs = new List<Run>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            runs.Add(new Run(reader.GetInt64(0), reader.GetInt32(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetInt64(3), reader.GetString(4),
                reader.GetInt32(5), reader.IsDBNull(6) ? null : reader.GetInt64(6)));
        }

        return runs;
    }

    public static Task<long> CountAsync(EngineHarness engine, string sql, params object[] args) => engine.Panel.ScalarAsync<long>(sql, args);

    public static async Task<bool> EndedAsync(EngineHarness engine, long order) =>
        await engine.StatusAsync(order) is "completed" or "partial" or "canceled" or "failed";

    /// <summary>The engine's schedule, a simulated minute at a time (requests, dispatch with its drip-feed pass, status), until <paramref name="done"/>.</summary>
    public static async Task DriveAsync(EngineHarness engine, Func<Task<bool>> done, TimeSpan limit, bool requests = false)
    {
        var until = engine.Clock.GetUtcNow() + limit;
        while (!await done())
        {
            Assert.True(engine.Clock.GetUtcNow() < until, $"not done after {limit} of simulated time");
            if (requests)
            {
                await engine.RunAsync(JobNames.ProcessOrderRequests);
            }

            await engine.RunAsync(JobNames.DispatchOrders);
            await engine.RunAsync(JobNames.SyncOrderStatus);
            engine.Clock.Advance(TimeSpan.FromMinutes(1));
        }
    }

    /// <summary>The refund rule of fulfillment_partial_refund: charge × remains / units, truncated to six places.</summary>
    public static decimal PartialRefund(decimal charge, long remains, long units) => Math.Truncate(charge * remains / units * 1_000_000m) / 1_000_000m;

    /// <summary>The user's balance is the sum of their ledger.</summary>
    public static async Task AssertBalanceIsLedgerAsync(EngineHarness engine, long user) =>
        Assert.Equal(await engine.Panel.LedgerSumAsync(user), await engine.Panel.BalanceAsync(user));
}
