using Fulfillment.Providers.Smm;
using Fulfillment.Providers.Tests.Infrastructure;
using Fulfillment.Simulator;

namespace Fulfillment.Providers.Tests;

/// <summary>
/// The failure that makes panels pay twice: the provider accepted the add and its answer was lost.
/// It must come back Unknown — never Refused — and must not be sent again.
/// </summary>
[Trait("Lane", "Fast")]
public sealed class LostAddTests
{
    private static async Task AssertLostAndSentOnceAsync(Action<SimulatorSettings> fault, string link, IDictionary<string, string?>? options = null)
    {
        var settings = new SimulatorSettings { ApiKey = ClientHarness.Key, Seed = 1 };
        fault(settings);
        await using var sim = await ProviderSimulator.StartAsync(settings);
        await using var harness = new ClientHarness(sim.ApiUrl, settings: options);
        if (options is not null)
        {
            // A short timeout: warm the pooled connection (and the JIT) first. A timeout that fires while a
            // cold connection is still opening is, correctly, a provably-unsent Refused — not this test's case.
            await harness.Client.GetBalanceAsync(harness.Provider, CancellationToken.None);
        }

        var outcome = await harness.Client.AddAsync(harness.Provider, new AddOrderRequest("1", link, 100), CancellationToken.None);

        Assert.IsType<AddOutcome.Unknown>(outcome);
        Assert.Equal(1, sim.Record.AddCount(link));
        Assert.Equal(1, sim.Orders.Count);
    }

    [Fact]
    public async Task An_add_that_times_out_after_acceptance_is_unknown_and_sent_once() =>
        await AssertLostAndSentOnceAsync(
            s => { s.AddTimeoutAfterAcceptRate = 1; s.AcceptedResponseDelay = TimeSpan.FromSeconds(30); },
            "https://instagram.com/p/timeout",
            ClientHarness.ShortTimeout);

    [Fact]
    public async Task An_add_whose_connection_is_reset_after_acceptance_is_unknown_and_sent_once() =>
        await AssertLostAndSentOnceAsync(s => s.AddAbortAfterAcceptRate = 1, "https://instagram.com/p/reset");

    [Fact]
    public async Task An_add_whose_answer_is_truncated_after_acceptance_is_unknown_and_sent_once() =>
        await AssertLostAndSentOnceAsync(s => s.MalformedJsonRate = 1, "https://instagram.com/p/truncated");

    [Fact]
    public async Task An_add_whose_answer_is_empty_after_acceptance_is_unknown_and_sent_once() =>
        await AssertLostAndSentOnceAsync(s => s.EmptyBodyRate = 1, "https://instagram.com/p/empty");

    [Fact]
    public async Task An_add_answered_with_a_5xx_is_unknown_and_sent_once()
    {
        const string link = "https://instagram.com/p/5xx";
        await using var sim = await ProviderSimulator.StartAsync(new SimulatorSettings { ApiKey = ClientHarness.Key, ServerErrorRate = 1 });
        await using var harness = new ClientHarness(sim.ApiUrl);

        var outcome = await harness.Client.AddAsync(harness.Provider, new AddOrderRequest("1", link, 100), CancellationToken.None);

        Assert.IsType<AddOutcome.Unknown>(outcome);
        Assert.Equal(1, sim.Record.AddCount(link));
    }

    [Fact]
    public async Task An_add_answered_with_an_html_page_is_unknown_and_sent_once()
    {
        const string link = "https://instagram.com/p/html";
        await using var sim = await ProviderSimulator.StartAsync(new SimulatorSettings { ApiKey = ClientHarness.Key, HtmlPageRate = 1 });
        await using var harness = new ClientHarness(sim.ApiUrl);

        var outcome = await harness.Client.AddAsync(harness.Provider, new AddOrderRequest("1", link, 100), CancellationToken.None);

        Assert.IsType<AddOutcome.Unknown>(outcome);
        Assert.Equal(1, sim.Record.AddCount(link));
    }

    [Fact]
    public async Task An_add_the_caller_abandons_after_sending_is_unknown_not_an_exception()
    {
        const string link = "https://instagram.com/p/abandoned";
        await using var sim = await ProviderSimulator.StartAsync(new SimulatorSettings
        {
            ApiKey = ClientHarness.Key,
            AddTimeoutAfterAcceptRate = 1,
            AcceptedResponseDelay = TimeSpan.FromSeconds(30),
        });
        await using var harness = new ClientHarness(sim.ApiUrl);
        using var shutdown = new CancellationTokenSource();

        var adding = harness.Client.AddAsync(harness.Provider, new AddOrderRequest("1", link, 100), shutdown.Token);
        // Abandoned once the provider has it (however slowly a loaded machine got there), while the answer is held back.
        await Poll.UntilAsync(() => sim.Record.AddCount(link) == 1, TimeSpan.FromSeconds(20), "the add to reach the provider", adding);

        await shutdown.CancelAsync();
        var outcome = await adding;

        Assert.IsType<AddOutcome.Unknown>(outcome);
        Assert.Equal(1, sim.Record.AddCount(link));
    }

    [Fact]
    public async Task Refill_and_cancel_whose_answers_are_lost_are_unknown_and_sent_once()
    {
        var settings = new SimulatorSettings { ApiKey = ClientHarness.Key };
        await using var sim = await ProviderSimulator.StartAsync(settings);
        await using var harness = new ClientHarness(sim.ApiUrl);
        var id = SimulatorClientTests.Id(await harness.Client.AddAsync(harness.Provider, new AddOrderRequest("1", "https://x/rc", 100), CancellationToken.None));
        settings.MalformedJsonRate = 1;

        var refill = await harness.Client.RefillAsync(harness.Provider, id, CancellationToken.None);
        var cancel = await harness.Client.CancelAsync(harness.Provider, [id], CancellationToken.None);

        Assert.IsType<RefillOutcome.Unknown>(refill);
        Assert.IsType<CancelOutcome.Unknown>(cancel[id]);
        Assert.Equal(1, sim.Record.Count("refill"));
        Assert.Equal(1, sim.Record.Count("cancel"));
    }
}
