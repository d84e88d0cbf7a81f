using System.Text.Json;
using Fulfillment.Engine.Heartbeat;
using Fulfillment.Engine.Jobs;
using Fulfillment.Engine.Telemetry;
using Fulfillment.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Fulfillment.Tests.Metrics;

public sealed class MetricsTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private static string Link() => $"https://instagram.com/p/{Guid.NewGuid():N}";

    /// <summary>Two orders accepted by one provider, one refused for good by another.</summary>
    private static async Task<(string Good, string Refusing)> DispatchThreeAsync(EngineHarness engine)
    {
        var good = $"good_{Guid.NewGuid():N}";
        var refusing = $"refusing_{Guid.NewGuid():N}";
        var (_, service) = await engine.CreateProviderAndServiceAsync(providerName: good);
        var (_, unknownUpstream) = await engine.CreateProviderAndServiceAsync(upstreamService: 999, providerName: refusing);
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        await engine.Panel.PlaceOrderAsync(user, service, Link(), 1000);
        await engine.Panel.PlaceOrderAsync(user, service, Link(), 1000);
        var refused = await engine.Panel.PlaceOrderAsync(user, unknownUpstream, Link(), 1000);

        await engine.RunAsync(JobNames.DispatchOrders);

        Assert.Equal("failed", await engine.StatusAsync(refused));
        return (good, refusing);
    }

    [Fact]
    public async Task Dispatch_counts_outcomes_per_provider_and_records_provider_call_durations()
    {
        await using var engine = await EngineHarness.StartAsync(fixture);
        // Orders other tests of this class left pending are sent first, unobserved.
        await engine.RunAsync(JobNames.DispatchOrders);
        using var recorder = new MeasurementRecorder(engine.Services);

        var (good, refusing) = await DispatchThreeAsync(engine);

        Assert.Equal(2, recorder.For("fulfillment.orders.dispatched", ("provider", good), ("outcome", "accepted")).Sum(m => m.Value));
        Assert.Equal(1, recorder.For("fulfillment.orders.dispatched", ("provider", refusing), ("outcome", "refused_permanent")).Sum(m => m.Value));
        Assert.Equal(3, recorder.For("fulfillment.orders.dispatched").Sum(m => m.Value));
        Assert.Equal(1, recorder.For("fulfillment.orders.finished", ("status", "failed")).Sum(m => m.Value));
        Assert.Equal(1, recorder.For("fulfillment.orders.refund_finishes").Sum(m => m.Value));

        var goodCalls = recorder.For("fulfillment.provider.call.duration", ("provider", good), ("action", "add"), ("outcome", "answered"));
        Assert.Equal(2, goodCalls.Count);
        Assert.All(goodCalls, m => Assert.InRange(m.Value, 0.0, 2.0));
        Assert.Single(recorder.For("fulfillment.provider.call.duration", ("provider", refusing), ("action", "add")));
    }

    [Fact]
    public async Task The_heartbeat_publishes_counters_and_queue_depths_and_feeds_the_queue_gauge()
    {
        await using var engine = await EngineHarness.StartAsync(fixture);
        using var recorder = new MeasurementRecorder(engine.Services);
        await DispatchThreeAsync(engine);
        var (_, service) = await engine.CreateProviderAndServiceAsync();
        var user = await engine.Panel.CreateUserAsync(deposit: 10m);
        await engine.Panel.PlaceOrderAsync(user, service, Link(), 1000);
        await engine.Panel.PlaceOrderAsync(user, service, Link(), 1000);
        var heartbeat = ActivatorUtilities.CreateInstance<InstanceHeartbeat>(engine.Services);

        await heartbeat.BeatAsync(CancellationToken.None);
        recorder.ObserveGauges();

        var identity = engine.Services.GetRequiredService<InstanceIdentity>();
        using var info = JsonDocument.Parse(await engine.Panel.ScalarAsync<string>("SELECT info::text FROM engine_instances WHERE id = $1", identity.Id));
        var root = info.RootElement;
        Assert.Equal(Environment.ProcessId, root.GetProperty("pid").GetInt32());
        Assert.Equal(JsonValueKind.Object, root.GetProperty("jobs").ValueKind);

        var counters = root.GetProperty("counters");
        Assert.Equal(3, counters.GetProperty("dispatched").GetInt64());
        Assert.Equal(2, counters.GetProperty("accepted").GetInt64());
        Assert.Equal(1, counters.GetProperty("finished").GetProperty("failed").GetInt64());
        Assert.Equal(1, counters.GetProperty("refund_finishes").GetInt64());

        var queue = root.GetProperty("queue");
        foreach (var status in EngineMetrics.QueueStatuses)
        {
            var inDatabase = await engine.Panel.ScalarAsync<long>("SELECT count(*) FROM orders WHERE status = $1", status);
            Assert.Equal(inDatabase, queue.GetProperty(status).GetInt64());
            Assert.Equal(inDatabase, Assert.Single(recorder.For("fulfillment.orders.queue", ("status", status))).Value);
        }

        Assert.True(queue.GetProperty("pending").GetInt64() >= 2);
        Assert.True(queue.GetProperty("in_progress").GetInt64() >= 2);
    }
}
