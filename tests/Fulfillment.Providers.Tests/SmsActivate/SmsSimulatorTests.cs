using Fulfillment.Providers.Smm;
using Fulfillment.Providers.SmsActivate;
using Fulfillment.Providers.Tests.Infrastructure;
using Fulfillment.Simulator;
using Microsoft.Extensions.Time.Testing;

namespace Fulfillment.Providers.Tests.SmsActivate;

/// <summary>The SMS client against the simulator over loopback, with the simulator's clock faked.</summary>
[Trait("Lane", "Fast")]
public sealed class SmsSimulatorTests
{
    private static SimulatorSettings Settings() => new() { ApiKey = ClientHarness.Key, Seed = 11, Balance = 10m, SmsPrice = 0.5m };

    private static FakeTimeProvider Clock() => new(DateTimeOffset.Parse("2026-03-01T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    private static string Rented(NumberOutcome outcome) => Assert.IsType<NumberOutcome.Rented>(outcome).ActivationId;

    [Fact]
    public async Task A_number_is_rented_gets_its_code_and_is_completed()
    {
        var time = Clock();
        await using var sim = await ProviderSimulator.StartAsync(Settings(), time);
        await using var harness = new ClientHarness(sim.SmsApiUrl);
        var (client, p) = (harness.Get<ISmsActivateClient>(), harness.Provider);

        var id = Rented(await client.GetNumberAsync(p, "tg", "0", CancellationToken.None));
        var waiting = await client.GetStatusAsync(p, id, CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(31));
        var arrived = await client.GetStatusAsync(p, id, CancellationToken.None);
        var completed = await client.SetStatusAsync(p, id, SmsActions.StatusComplete, CancellationToken.None);

        var activation = sim.Activations.Find(long.Parse(id, System.Globalization.CultureInfo.InvariantCulture))!;
        Assert.Equal(ActivationState.WaitCode, waiting.State);
        Assert.Equal(ActivationState.Ok, arrived.State);
        Assert.Matches("^[0-9]{5}$", arrived.Code);
        Assert.Equal(activation.CodeAt(time.GetUtcNow()), arrived.Code);
        Assert.Equal(new SetStatusOutcome.Done("ACCESS_ACTIVATION"), completed);
        Assert.Equal(SimulatedActivationState.Completed, activation.StateAt(time.GetUtcNow()));
        Assert.Equal(9.5m, (await client.GetBalanceAsync(p, CancellationToken.None)).Balance);
        Assert.Equal(1, sim.Record.Count("getNumber"));
    }

    [Fact]
    public async Task Another_code_can_be_asked_for_and_the_previous_one_shows_while_waiting()
    {
        var time = Clock();
        await using var sim = await ProviderSimulator.StartAsync(Settings(), time);
        await using var harness = new ClientHarness(sim.SmsApiUrl);
        var (client, p) = (harness.Get<ISmsActivateClient>(), harness.Provider);
        var id = Rented(await client.GetNumberAsync(p, "wa", "6", CancellationToken.None));
        time.Advance(TimeSpan.FromSeconds(30));
        var first = (await client.GetStatusAsync(p, id, CancellationToken.None)).Code;

        var again = await client.SetStatusAsync(p, id, SmsActions.StatusAnotherCode, CancellationToken.None);
        var retry = await client.GetStatusAsync(p, id, CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(30));
        var second = await client.GetStatusAsync(p, id, CancellationToken.None);

        Assert.Equal(new SetStatusOutcome.Done("ACCESS_RETRY_GET"), again);
        Assert.Equal((ActivationState.WaitRetry, first), (retry.State, retry.Code));
        Assert.Equal(ActivationState.Ok, second.State);
        Assert.NotNull(second.Code);
    }

    [Fact]
    public async Task A_cancel_is_denied_inside_the_window_then_allowed_and_refunded()
    {
        var time = Clock();
        var settings = Settings();
        settings.SmsNoCodeProbability = 1;
        await using var sim = await ProviderSimulator.StartAsync(settings, time);
        await using var harness = new ClientHarness(sim.SmsApiUrl);
        var (client, p) = (harness.Get<ISmsActivateClient>(), harness.Provider);
        var id = Rented(await client.GetNumberAsync(p, "tg", "0", CancellationToken.None));

        time.Advance(TimeSpan.FromSeconds(119));
        var early = await client.SetStatusAsync(p, id, SmsActions.StatusCancel, CancellationToken.None);
        var charged = (await client.GetBalanceAsync(p, CancellationToken.None)).Balance;
        time.Advance(TimeSpan.FromSeconds(1));
        var canceled = await client.SetStatusAsync(p, id, SmsActions.StatusCancel, CancellationToken.None);
        var status = await client.GetStatusAsync(p, id, CancellationToken.None);
        var again = await client.SetStatusAsync(p, id, SmsActions.StatusCancel, CancellationToken.None);

        Assert.Equal(new SetStatusOutcome.EarlyCancelDenied(), early);
        Assert.Equal(9.5m, charged);
        Assert.Equal(new SetStatusOutcome.Done("ACCESS_CANCEL"), canceled);
        Assert.Equal(ActivationState.Canceled, status.State);
        Assert.Equal(new SetStatusOutcome.Refused("BAD_STATUS"), again);
        Assert.Equal(10m, (await client.GetBalanceAsync(p, CancellationToken.None)).Balance);
    }

    [Fact]
    public async Task An_activation_without_a_code_is_canceled_and_refunded_by_the_provider_when_its_time_runs_out()
    {
        var time = Clock();
        var settings = Settings();
        settings.SmsNoCodeProbability = 1;
        await using var sim = await ProviderSimulator.StartAsync(settings, time);
        await using var harness = new ClientHarness(sim.SmsApiUrl);
        var (client, p) = (harness.Get<ISmsActivateClient>(), harness.Provider);
        var id = Rented(await client.GetNumberAsync(p, "tg", "0", CancellationToken.None));

        time.Advance(TimeSpan.FromMinutes(20));

        Assert.Equal(ActivationState.Canceled, (await client.GetStatusAsync(p, id, CancellationToken.None)).State);
        Assert.Equal(10m, (await client.GetBalanceAsync(p, CancellationToken.None)).Balance);
    }

    [Fact]
    public async Task A_completed_number_cannot_be_canceled_and_a_number_with_a_code_cannot_either()
    {
        var time = Clock();
        await using var sim = await ProviderSimulator.StartAsync(Settings(), time);
        await using var harness = new ClientHarness(sim.SmsApiUrl);
        var (client, p) = (harness.Get<ISmsActivateClient>(), harness.Provider);
        var id = Rented(await client.GetNumberAsync(p, "tg", "0", CancellationToken.None));
        time.Advance(TimeSpan.FromMinutes(3));

        var cancelWithCode = await client.SetStatusAsync(p, id, SmsActions.StatusCancel, CancellationToken.None);
        var unknownId = await client.SetStatusAsync(p, "1", SmsActions.StatusComplete, CancellationToken.None);

        Assert.Equal(new SetStatusOutcome.Refused("BAD_STATUS"), cancelWithCode);
        Assert.Equal(new SetStatusOutcome.Refused("NO_ACTIVATION"), unknownId);
        Assert.Equal(ActivationState.NotFound, (await client.GetStatusAsync(p, "1", CancellationToken.None)).State);
    }

    [Theory]
    [InlineData("unknown service", RefusalKind.Permanent, SmsRefusal.BadService)]
    [InlineData("no numbers", RefusalKind.Temporary, SmsRefusal.NoNumbers)]
    [InlineData("no balance", RefusalKind.Temporary, SmsRefusal.NoBalance)]
    [InlineData("wrong key", RefusalKind.Temporary, SmsRefusal.BadKey)]
    public async Task The_simulator_refuses_like_a_provider_and_charges_nothing(string rule, RefusalKind kind, SmsRefusal reason)
    {
        var settings = Settings();
        var service = "tg";
        switch (rule)
        {
            case "unknown service": service = "zz"; break;
            case "no numbers": settings.SmsNoNumbersRate = 1; break;
            case "no balance": settings.Balance = 0.4m; break;
            default: settings.ApiKey = "another"; break;
        }

        await using var sim = await ProviderSimulator.StartAsync(settings);
        await using var harness = new ClientHarness(sim.SmsApiUrl);

        var outcome = await harness.Get<ISmsActivateClient>().GetNumberAsync(harness.Provider, service, "0", CancellationToken.None);

        var refused = Assert.IsType<NumberOutcome.Refused>(outcome);
        Assert.Equal((kind, reason), (refused.Kind, refused.Reason));
        Assert.Equal(0, sim.Activations.Count);
    }

    [Theory]
    [InlineData("empty body after rent")]
    [InlineData("answer cut after rent")]
    [InlineData("connection reset after rent")]
    [InlineData("5xx")]
    [InlineData("html page")]
    [InlineData("timeout")]
    public async Task A_lost_get_number_answer_is_unknown_and_sent_exactly_once(string fault)
    {
        var settings = Settings();
        IDictionary<string, string?>? options = null;
        switch (fault)
        {
            case "empty body after rent": settings.EmptyBodyRate = 1; break;
            case "answer cut after rent": settings.MalformedJsonRate = 1; break;
            case "connection reset after rent": settings.SmsAbortAfterRentRate = 1; break;
            case "5xx": settings.ServerErrorRate = 1; break;
            case "html page": settings.HtmlPageRate = 1; break;
            default: settings.LatencyMin = TimeSpan.FromSeconds(3); options = ClientHarness.ShortTimeout; break;
        }

        await using var sim = await ProviderSimulator.StartAsync(settings);
        await using var harness = new ClientHarness(sim.SmsApiUrl, settings: options);

        var outcome = await harness.Get<ISmsActivateClient>().GetNumberAsync(harness.Provider, "tg", "0", CancellationToken.None);

        Assert.IsType<NumberOutcome.Unknown>(outcome);
        Assert.Equal(1, sim.Record.Count("getNumber"));
        Assert.True(sim.Activations.Count <= 1);
    }

    [Fact]
    public async Task A_lost_set_status_answer_is_unknown_and_sent_once_while_status_reads_are_retried()
    {
        var time = Clock();
        var settings = Settings();
        await using var sim = await ProviderSimulator.StartAsync(settings, time);
        await using var harness = new ClientHarness(sim.SmsApiUrl, settings: new Dictionary<string, string?> { ["Fulfillment:Providers:Defaults:RetryCount"] = "2" });
        var (client, p) = (harness.Get<ISmsActivateClient>(), harness.Provider);
        var id = Rented(await client.GetNumberAsync(p, "tg", "0", CancellationToken.None));
        time.Advance(TimeSpan.FromMinutes(3));
        settings.MalformedJsonRate = 1;

        var outcome = await client.SetStatusAsync(p, id, SmsActions.StatusCancel, CancellationToken.None);
        var ex = await Assert.ThrowsAsync<ProviderCallException>(() => client.GetStatusAsync(p, id, CancellationToken.None));

        Assert.IsType<SetStatusOutcome.Unknown>(outcome);
        Assert.Equal(1, sim.Record.Count("setStatus"));
        Assert.Equal(ProviderCallFailure.NoAnswer, ex.Failure);
        Assert.Equal(3, sim.Record.Count("getStatus"));
    }

    [Fact]
    public async Task The_simulator_also_reads_a_posted_form()
    {
        await using var sim = await ProviderSimulator.StartAsync(Settings());
        using var http = new HttpClient();
        using var form = new FormUrlEncodedContent([new("api_key", ClientHarness.Key), new("action", "getBalance")]);

        using var response = await http.PostAsync(sim.SmsApiUrl, form);

        Assert.Equal("ACCESS_BALANCE:10.00", await response.Content.ReadAsStringAsync());
        Assert.True(Assert.Single(sim.Record.Requests("getBalance")).KeyValid);
    }
}
