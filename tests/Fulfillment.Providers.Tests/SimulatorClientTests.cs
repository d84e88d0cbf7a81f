using Fulfillment.Providers.Smm;
using Fulfillment.Providers.Tests.Infrastructure;
using Fulfillment.Simulator;

namespace Fulfillment.Providers.Tests;

/// <summary>The client against the simulator over loopback: real HTTP, real Kestrel.</summary>
[Trait("Lane", "Fast")]
public sealed class SimulatorClientTests
{
    private static SimulatorSettings Fast() => new()
    {
        ApiKey = ClientHarness.Key,
        Seed = 7,
        SpeedFactor = 200,
        PartialProbability = 0,
        CanceledProbability = 0,
        OverDeliveryProbability = 0,
        RefillRejectProbability = 0,
    };

    [Fact]
    public async Task An_order_goes_from_add_to_completed_and_can_be_refilled()
    {
        // The simulator's clock is the test's: the order is Pending until the test moves time on, however slow the machine.
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var sim = await ProviderSimulator.StartAsync(Fast(), time);
        await using var harness = new ClientHarness(sim.ApiUrl);
        var client = harness.Client;

        var added = await client.AddAsync(harness.Provider, new AddOrderRequest("1", "https://instagram.com/a", 1000), CancellationToken.None);
        var id = Assert.IsType<AddOutcome.Accepted>(added).ProviderOrderId;

        var first = await client.GetStatusAsync(harness.Provider, id, CancellationToken.None);
        // Pending for 50 ms at this speed: on a busy machine the first answer may already be a later, unfinished state.
        Assert.Contains(first.State, new[] { ProviderOrderState.Pending, ProviderOrderState.InProgress });
        Assert.InRange(first.Remains!.Value, 1L, 1000L);
        Assert.Equal(0.9m, first.Charge!.Value);

        time.Advance(TimeSpan.FromSeconds(1)); // past the order's 0.4 s life at speed 200
        var final = await client.GetStatusAsync(harness.Provider, id, CancellationToken.None);
        Assert.Equal((ProviderOrderState.Completed, 0L), (final.State, final.Remains!.Value));

        var refill = await client.RefillAsync(harness.Provider, id, CancellationToken.None);
        var refillId = Assert.IsType<RefillOutcome.Accepted>(refill).RefillId;
        time.Advance(TimeSpan.FromSeconds(1)); // past the refill's 0.15 s
        var refillStatus = await client.GetRefillStatusAsync(harness.Provider, refillId, CancellationToken.None);
        Assert.Equal((ProviderOrderState.Completed, "Completed"), (refillStatus.State, refillStatus.RawStatus));
    }

    [Fact]
    public async Task Multi_status_refill_and_cancel_carry_per_item_errors()
    {
        var settings = Fast();
        settings.SpeedFactor = 1; // stay Pending so cancel is allowed
        settings.CancelAnswer = CancelAnswerStyle.Success;
        await using var sim = await ProviderSimulator.StartAsync(settings);
        await using var harness = new ClientHarness(sim.ApiUrl);
        var client = harness.Client;
        var a = Id(await client.AddAsync(harness.Provider, new AddOrderRequest("1", "https://x/a", 100), CancellationToken.None));
        var b = Id(await client.AddAsync(harness.Provider, new AddOrderRequest("3", "https://x/b", 100), CancellationToken.None));

        var statuses = await client.GetStatusesAsync(harness.Provider, [a, b, "999"], CancellationToken.None);
        Assert.Equal(ProviderOrderState.Pending, statuses[a].State);
        Assert.Equal("Incorrect order ID", statuses["999"].Error);

        var refills = await client.RefillManyAsync(harness.Provider, [a, "999"], CancellationToken.None);
        Assert.Equal(new RefillOutcome.Refused("Order is not completed yet"), refills[a]);
        Assert.Equal(new RefillOutcome.Refused("Incorrect order ID"), refills["999"]);

        var cancels = await client.CancelAsync(harness.Provider, [a, b, "999"], CancellationToken.None);
        Assert.Equal(new CancelOutcome.Accepted(), cancels[a]);
        Assert.Equal(new CancelOutcome.Refused("Cancel is disabled for this service"), cancels[b]);
        Assert.Equal(new CancelOutcome.Refused("Incorrect order ID"), cancels["999"]);
        Assert.Equal(ProviderOrderState.Canceled, (await client.GetStatusAsync(harness.Provider, a, CancellationToken.None)).State);
    }

    [Theory]
    [InlineData(CancelAnswerStyle.One)]
    [InlineData(CancelAnswerStyle.True)]
    [InlineData(CancelAnswerStyle.Success)]
    public async Task Every_cancel_answer_style_is_accepted(CancelAnswerStyle style)
    {
        var settings = Fast();
        settings.SpeedFactor = 1;
        settings.CancelAnswer = style;
        await using var sim = await ProviderSimulator.StartAsync(settings);
        await using var harness = new ClientHarness(sim.ApiUrl);
        var id = Id(await harness.Client.AddAsync(harness.Provider, new AddOrderRequest("1", "https://x/c", 100), CancellationToken.None));

        var result = await harness.Client.CancelAsync(harness.Provider, [id], CancellationToken.None);

        Assert.Equal(new CancelOutcome.Accepted(), result[id]);
    }

    [Fact]
    public async Task String_numbers_and_other_status_spellings_are_read()
    {
        var settings = Fast();
        settings.StringNumbersRate = 1;
        settings.AltStatusSpellingRate = 1;
        await using var sim = await ProviderSimulator.StartAsync(settings);
        await using var harness = new ClientHarness(sim.ApiUrl);
        var id = Id(await harness.Client.AddAsync(harness.Provider, new AddOrderRequest("1", "https://x/s", 500), CancellationToken.None));

        var status = await PollUntilAsync(
            () => harness.Client.GetStatusAsync(harness.Provider, id, CancellationToken.None), s => s.State == ProviderOrderState.Completed);
        var services = await harness.Client.GetServicesAsync(harness.Provider, CancellationToken.None);

        Assert.NotEqual("Completed", status.RawStatus);
        Assert.Equal(0.45m, status.Charge);
        Assert.Equal(sim.Settings.Services.Count, services.Count);
        Assert.Equal(50, services.Single(s => s.ServiceId == "1").Min);
    }

    [Fact]
    public async Task The_providers_refusals_are_classified()
    {
        var settings = Fast();
        settings.SpeedFactor = 1; // the first order must still be active when the duplicate arrives
        settings.Balance = 1m;
        await using var sim = await ProviderSimulator.StartAsync(settings);
        await using var harness = new ClientHarness(sim.ApiUrl);
        var client = harness.Client;
        var p = harness.Provider;

        var first = await client.AddAsync(p, new AddOrderRequest("2", "https://x/dup", 100), CancellationToken.None);
        var duplicate = await client.AddAsync(p, new AddOrderRequest("2", "https://x/dup", 100), CancellationToken.None);
        var funds = await client.AddAsync(p, new AddOrderRequest("1", "https://x/big", 10_000), CancellationToken.None);
        var service = await client.AddAsync(p, new AddOrderRequest("999", "https://x/s", 100), CancellationToken.None);
        var quantity = await client.AddAsync(p, new AddOrderRequest("1", "https://x/q", 10), CancellationToken.None);

        Assert.IsType<AddOutcome.Accepted>(first);
        Assert.Equal((RefusalKind.Temporary, RefusalReason.DuplicateLink), Reason(duplicate));
        Assert.Equal((RefusalKind.Temporary, RefusalReason.InsufficientFunds), Reason(funds));
        Assert.Equal((RefusalKind.Permanent, RefusalReason.UnknownService), Reason(service));
        Assert.Equal(new AddOutcome.Refused(RefusalKind.Permanent, RefusalReason.QuantityOutOfRange, "Quantity less than minimal 50"), quantity);
        Assert.Equal(0.975m, (await client.GetBalanceAsync(p, CancellationToken.None)).Balance);
    }

    [Fact]
    public async Task A_wrong_key_is_an_authentication_failure()
    {
        await using var sim = await ProviderSimulator.StartAsync(new SimulatorSettings { ApiKey = "another key" });
        await using var harness = new ClientHarness(sim.ApiUrl);

        var outcome = await harness.Client.AddAsync(harness.Provider, new AddOrderRequest("1", "https://x/k", 100), CancellationToken.None);

        Assert.Equal(new AddOutcome.Refused(RefusalKind.Temporary, RefusalReason.AuthenticationFailed, "Invalid API key"), outcome);
    }

    [Fact]
    public async Task Requests_carry_only_key_action_and_the_orders_own_fields()
    {
        await using var sim = await ProviderSimulator.StartAsync(Fast());
        await using var harness = new ClientHarness(sim.ApiUrl);
        var request = AddOrderRequest.ForType(
            "Custom Comments", "5", "https://x/comments", 5,
            new Dictionary<string, string> { ["comments"] = "a\nb\nc\nd\ne", ["email"] = "user@example.com", ["ip"] = "10.1.1.1", ["user_id"] = "42" });

        var outcome = await harness.Client.AddAsync(harness.Provider, request, CancellationToken.None);

        Assert.IsType<AddOutcome.Accepted>(outcome);
        var recorded = Assert.Single(sim.Record.Requests("add"));
        Assert.True(recorded.KeyValid);
        Assert.Equal(["comments", "link", "quantity", "service"], recorded.Fields.Keys.Order());
        Assert.Equal("a\nb\nc\nd\ne", recorded.Field("comments"));
        Assert.Equal("5", recorded.Field("quantity"));
    }

    [Fact]
    public async Task Services_and_balance_are_retried_through_server_errors()
    {
        var settings = Fast();
        settings.Seed = 3; // with one client in sequence, the seeded draws are the same every run
        settings.ServerErrorRate = 0.5;
        settings.HtmlPageRate = 0.2;
        await using var sim = await ProviderSimulator.StartAsync(settings);
        await using var harness = new ClientHarness(sim.ApiUrl, settings: new Dictionary<string, string?> { ["Fulfillment:Providers:Defaults:RetryCount"] = "8" });

        var balance = await harness.Client.GetBalanceAsync(harness.Provider, CancellationToken.None);
        var services = await harness.Client.GetServicesAsync(harness.Provider, CancellationToken.None);

        Assert.Equal(settings.Balance, balance.Balance);
        Assert.NotEmpty(services);
        Assert.True(sim.Record.Count("balance") + sim.Record.Count("services") > 2, "some calls were faulted and retried");
    }

    internal static string Id(AddOutcome outcome) => Assert.IsType<AddOutcome.Accepted>(outcome).ProviderOrderId;

    private static (RefusalKind, RefusalReason) Reason(AddOutcome outcome)
    {
        var refused = Assert.IsType<AddOutcome.Refused>(outcome);
        return (refused.Kind, refused.Reason);
    }

    /// <summary>Reads until <paramref name="done"/>; on timeout the test fails with the last value read (never returns it as if done).</summary>
    private static Task<T> PollUntilAsync<T>(Func<Task<T>> read, Func<T, bool> done) =>
        Poll.UntilAsync(read, done, TimeSpan.FromSeconds(30), "the provider's answer to change");
}
