using System.Text.Json;
using Fulfillment.Simulator;
using Fulfillment.Tests.Infrastructure;

namespace Fulfillment.Tests.Host;

/// <summary>
/// What an operator reads from a running engine (its JSON console log): lines per batch and per event, never per order. A
/// provider outage is one line when it starts and one when it ends, however many orders and calls it fails.
/// </summary>
public sealed class QuietLogTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private const int Orders = 300;

    private readonly Panel _panel = new(fixture.DataSource);

    private string[] Settings() =>
    [
        "run",
        $"--ConnectionStrings:Panel={fixture.ConnectionString}",
        "--Fulfillment:Logging:Format=json",
        "--Fulfillment:Engine:InstanceName=quiet",
        "--Fulfillment:Jobs:DispatchOrders:Interval=00:00:01",
        "--Fulfillment:Jobs:SyncOrderStatus:Interval=00:00:01",
        "--Fulfillment:Jobs:CheckProviderBalances:Interval=00:00:01",
        "--Fulfillment:Jobs:PurgeExpiredData:Enabled=false",
        "--Fulfillment:Jobs:SyncProviderServices:Enabled=false",
        "--Fulfillment:Tracking:FirstCheckAfter=00:00:01",
        "--Fulfillment:Tracking:MinInterval=00:00:01",
        "--Fulfillment:Tracking:MaxInterval=00:00:01",
        // Adds refused while the provider is down are tried again within seconds of its return, not after the default half minute.
        "--Fulfillment:Dispatch:RetryBackoffMin=00:00:01",
        "--Fulfillment:Dispatch:RetryBackoffMax=00:00:02",
        "--Fulfillment:Jobs:WatchHealth:Interval=00:00:01",
        "--Fulfillment:Providers:Defaults:Timeout=00:00:02",
        "--Fulfillment:Providers:Defaults:CircuitBreakerMinimumThroughput=100000",
    ];

    [Fact]
    public async Task Three_hundred_orders_and_a_provider_outage_log_a_few_lines_per_batch_and_the_outage_once_each_way()
    {
        await using var simulator = await ProviderSimulator.StartAsync(new SimulatorSettings
        {
            ApiKey = "quiet-key",
            LatencyMin = TimeSpan.FromMilliseconds(5),
            LatencyMax = TimeSpan.FromMilliseconds(20),
        });
        var provider = await _panel.CreateProviderAsync(url: simulator.ApiUrl.ToString(), key: "quiet-key");
        var service = await _panel.CreateServiceAsync(provider, rate: 1m, providerServiceId: "1");
        var user = await _panel.CreateUserAsync(deposit: 1000m);
        var links = Enumerable.Range(0, Orders).Select(i => $"https://instagram.com/p/quiet{i}x{Guid.NewGuid():N}").ToArray();

        var started = DateTimeOffset.UtcNow;
        await using var engine = EngineProcess.Start(Settings());
        foreach (var link in links.Take(Orders - 50))
        {
            await _panel.PlaceOrderAsync(user, service, link, 100);
        }

        await UntilAsync(engine, () => OpenAtProviderAsync(user, "in_progress"), n => n == Orders - 50, "the first orders to be sent");

        // Down for a while: status passes, balance checks and the adds of 50 more orders all fail.
        await simulator.GoDownAsync();
        foreach (var link in links.Skip(Orders - 50))
        {
            await _panel.PlaceOrderAsync(user, service, link, 100);
        }

        await UntilAsync(engine, () => _panel.ScalarAsync<long>("SELECT count(*) FROM providers WHERE id = $1 AND unreachable_since IS NOT NULL", provider),
            n => n == 1, "the outage to be recorded");
        await Task.Delay(TimeSpan.FromSeconds(6));
        await simulator.ComeBackAsync();
        await UntilAsync(engine, () => OpenAtProviderAsync(user, "pending"), n => n == 0, "the orders placed during the outage to be sent");
        await UntilAsync(engine, () => _panel.ScalarAsync<long>("SELECT count(*) FROM providers WHERE id = $1 AND unreachable_since IS NULL", provider),
            n => n == 1, "the provider to be reachable again");
        await engine.StopAsync(TimeSpan.FromSeconds(30));

        var lines = InformationOrAbove(engine.Output);
        Assert.Single(lines, l => l.Template.Contains("unreachable:", StringComparison.Ordinal));
        Assert.Single(lines, l => l.Template.Contains("reachable again after", StringComparison.Ordinal));
        // No line is about one order: none names an order's link or id.
        Assert.DoesNotContain(lines, l => links.Any(link => l.Text.Contains(link, StringComparison.Ordinal)) || l.Text.Contains("\"OrderId\"", StringComparison.Ordinal));
        // Dispatch tells what its batches came to once a minute at most: orders picked up on NOTIFY go out one or two a batch.
        var minutes = (int)Math.Ceiling((DateTimeOffset.UtcNow - started).TotalMinutes);
        var dispatchLines = lines.Count(l => l.Template.StartsWith("Dispatched", StringComparison.Ordinal));
        Assert.True(dispatchLines is > 0 && dispatchLines <= minutes, $"{dispatchLines} dispatch lines in {minutes} minute(s)");
        // Per batch and per event: well under one line per order, whatever the outage did.
        Assert.True(lines.Count < Orders / 3, $"{lines.Count} lines at Information or above for {Orders} orders:\n{string.Join('\n', lines.Select(l => l.Text))}");
    }

    private Task<long> OpenAtProviderAsync(long user, string status) =>
        _panel.ScalarAsync<long>("SELECT count(*) FROM orders WHERE user_id = $1 AND status = $2", user, status);

    private static Task<long> UntilAsync(EngineProcess engine, Func<Task<long>> read, Func<long, bool> done, string what) =>
        Poll.UntilAsync(async () =>
        {
            Assert.False(engine.HasExited, "the engine exited by itself:\n" + engine.Output);
            return await read();
        }, done, TimeSpan.FromSeconds(90), what, n => Task.FromResult($"last value {n}; the engine's output:\n{engine.Output}"), TimeSpan.FromMilliseconds(200));

    /// <summary>The compact JSON lines at Information or above (no <c>@l</c> is Information), with their message template.</summary>
    private static List<(string Template, string Text)> InformationOrAbove(string output)
    {
        var lines = new List<(string, string)>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => l.StartsWith('{')))
        {
            using var json = JsonDocument.Parse(line);
            var level = json.RootElement.TryGetProperty("@l", out var l) ? l.GetString() : "Information";
            if (level is not ("Verbose" or "Debug"))
            {
                lines.Add((json.RootElement.TryGetProperty("@mt", out var mt) ? mt.GetString()! : "", line));
            }
        }

        return lines;
    }
}
