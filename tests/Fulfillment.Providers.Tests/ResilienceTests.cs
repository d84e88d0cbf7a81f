using System.Net;
using Fulfillment.Providers.Resilience;
using Fulfillment.Providers.Smm;
using Fulfillment.Providers.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace Fulfillment.Providers.Tests;

[Trait("Lane", "Fast")]
public sealed class ResilienceTests
{
    private static readonly AddOrderRequest Order = new("1", "https://x/r", 100);

    [Fact]
    public async Task An_open_circuit_refuses_adds_without_sending_them()
    {
        var stub = StubHandler.Answer(HttpStatusCode.ServiceUnavailable, "<html>down</html>", "text/html");
        await using var harness = ClientHarness.WithStub(stub, new Dictionary<string, string?>
        {
            ["Fulfillment:Providers:Defaults:CircuitBreakerMinimumThroughput"] = "2",
            ["Fulfillment:Providers:Defaults:CircuitBreakerFailureRatio"] = "0.5",
            ["Fulfillment:Providers:Defaults:CircuitBreakerBreakDuration"] = "00:01:00",
        });

        var outcomes = new List<AddOutcome>();
        for (var i = 0; i < 5; i++)
            outcomes.Add(await harness.Client.AddAsync(harness.Provider, Order, CancellationToken.None));

        Assert.All(outcomes.Take(2), o => Assert.IsType<AddOutcome.Unknown>(o));
        Assert.All(outcomes.Skip(2), o => Assert.Equal((RefusalKind.Temporary, RefusalReason.Unreachable), Reason(o)));
        Assert.Equal(2, stub.Calls);
    }

    [Fact]
    public async Task The_concurrency_cap_refuses_a_call_it_cannot_queue_without_sending_it()
    {
        var release = new TaskCompletionSource();
        var stub = StubHandler.Custom(async (_, _) =>
        {
            await release.Task;
            return StubHandler.Response(HttpStatusCode.OK, """{"order":1}""");
        });
        await using var harness = ClientHarness.WithStub(stub, new Dictionary<string, string?>
        {
            ["Fulfillment:Providers:Defaults:MaxConcurrency"] = "1",
            ["Fulfillment:Providers:Defaults:MaxQueuedCalls"] = "0",
        });

        var first = harness.Client.AddAsync(harness.Provider, Order, CancellationToken.None);
        await Poll.UntilAsync(() => stub.Calls > 0, TimeSpan.FromSeconds(30), "the first add to reach the stub", first);
        var second = await harness.Client.AddAsync(harness.Provider, Order, CancellationToken.None);
        release.SetResult();

        Assert.Equal(new AddOutcome.Accepted("1"), await first);
        Assert.Equal((RefusalKind.Temporary, RefusalReason.RateLimited), Reason(second));
        Assert.Equal(1, stub.Calls);
    }

    [Fact]
    public async Task A_slow_answer_times_out_and_an_add_is_then_unknown()
    {
        var stub = StubHandler.Custom(async (_, _) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(10));
            return StubHandler.Response(HttpStatusCode.OK, """{"order":1}""");
        });
        await using var harness = ClientHarness.WithStub(stub, new Dictionary<string, string?> { ["Fulfillment:Providers:Defaults:Timeout"] = "00:00:00.200" });

        var outcome = await harness.Client.AddAsync(harness.Provider, Order, CancellationToken.None);

        Assert.IsType<AddOutcome.Unknown>(outcome);
        Assert.Equal(1, stub.Calls);
    }

    [Fact]
    public async Task Overrides_apply_on_top_of_defaults_per_provider()
    {
        await using var harness = ClientHarness.WithStub(StubHandler.Answer(HttpStatusCode.OK, "{}"), new Dictionary<string, string?>
        {
            ["Fulfillment:Providers:Defaults:MaxConcurrency"] = "4",
            ["Fulfillment:Providers:Overrides:Upstream:Timeout"] = "00:00:45",
            ["Fulfillment:Providers:Overrides:Upstream:AllowResendOnUnknown"] = "true",
        });

        var upstream = harness.Pipelines.OptionsFor(harness.Provider);
        var other = harness.Pipelines.OptionsFor(harness.Provider with { Id = 2, Name = "Other" });

        Assert.Equal((TimeSpan.FromSeconds(45), 4, true), (upstream.Timeout, upstream.MaxConcurrency, upstream.AllowResendOnUnknown));
        Assert.Equal((TimeSpan.FromSeconds(5), 4, false), (other.Timeout, other.MaxConcurrency, other.AllowResendOnUnknown));
        Assert.Equal((2, TimeSpan.FromSeconds(30)), (other.RetryCount, other.CircuitBreakerBreakDuration));
    }

    [Fact]
    public async Task An_invalid_setting_is_reported_with_its_key()
    {
        await using var harness = ClientHarness.WithStub(StubHandler.Answer(HttpStatusCode.OK, "{}"), new Dictionary<string, string?>
        {
            ["Fulfillment:Providers:Overrides:Upstream:MaxConcurrency"] = "0",
        });

        var ex = Assert.Throws<OptionsValidationException>(() => harness.Get<IOptionsMonitor<ProviderResilienceOptions>>().Get("Upstream"));

        Assert.Contains("Fulfillment:Providers:Overrides:Upstream:MaxConcurrency", ex.Message, StringComparison.Ordinal);
    }

    private static (RefusalKind, RefusalReason) Reason(AddOutcome outcome)
    {
        var refused = Assert.IsType<AddOutcome.Refused>(outcome);
        return (refused.Kind, refused.Reason);
    }
}
