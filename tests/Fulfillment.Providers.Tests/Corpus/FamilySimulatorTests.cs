using System.Net;
using Fulfillment.Providers.Smm;
using Fulfillment.Providers.Tests.Infrastructure;
using Fulfillment.Simulator;

namespace Fulfillment.Providers.Tests.Corpus;

/// <summary>
/// The simulator's family modes answer in the shapes of <see cref="PanelCorpus"/>, and the client reads them as it reads the
/// recorded bodies: the same expectations, over a real HTTP exchange.
/// </summary>
[Trait("Lane", "Fast")]
public sealed class FamilySimulatorTests
{
    private static SimulatorSettings Settings(PanelFamily family) => new()
    {
        ApiKey = ClientHarness.Key,
        Family = family,
        Seed = 7,
        PendingDuration = TimeSpan.FromHours(1),
        // The Laravel panel has no same-link rule.
        DuplicateLinkRefusal = family != PanelFamily.Laravel,
    };

    private static async Task<string> AddAsync(ClientHarness harness, AddOrderRequest request) =>
        await harness.Client.AddAsync(harness.Provider, request, CancellationToken.None) switch
        {
            AddOutcome.Accepted => "accepted",
            AddOutcome.Refused r => $"refused:{r.Kind}:{r.Reason}",
            AddOutcome.Unknown { Redirected: true } => "unknown:redirect",
            AddOutcome.Unknown => "unknown",
            var other => other.ToString(),
        };

    public static TheoryData<PanelFamily> Families => [PanelFamily.SmartPanel, PanelFamily.PanelScript, PanelFamily.Laravel];

    [Theory]
    [MemberData(nameof(Families))]
    public async Task Adds_refusals_and_a_new_orders_status_read_as_the_corpus_says(PanelFamily family)
    {
        await using var sim = await ProviderSimulator.StartAsync(Settings(family));
        await using var harness = new ClientHarness(sim.ApiUrl);
        var link = "https://instagram.com/p/family";

        Assert.Equal("accepted", await AddAsync(harness, new AddOrderRequest("1", link, 100)));
        Assert.Equal("refused:Permanent:UnknownService", await AddAsync(harness, new AddOrderRequest("99", link + "2", 100)));
        Assert.Equal("refused:Permanent:QuantityOutOfRange", await AddAsync(harness, new AddOrderRequest("1", link + "3", 5)));
        // A Package is sent with quantity 1, which every family requires.
        Assert.Equal("accepted", await AddAsync(harness, AddOrderRequest.ForType("Package", "4", link + "4", null, new Dictionary<string, string>())));
        Assert.Equal(family == PanelFamily.Laravel ? "accepted" : "refused:Temporary:DuplicateLink", await AddAsync(harness, new AddOrderRequest("1", link, 100)));
        sim.Settings.Balance = 0;
        Assert.Equal("refused:Temporary:InsufficientFunds", await AddAsync(harness, new AddOrderRequest("2", link + "5", 100)));

        var first = sim.Orders.All()[0].Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var status = await harness.Client.GetStatusAsync(harness.Provider, first, CancellationToken.None);
        Assert.Equal("state:Pending:remains=none", CorpusTests.Describe(status));
        Assert.Equal(0, status.Remains);
        Assert.Equal(family == PanelFamily.PanelScript ? "Order not found." : "Incorrect order ID",
            (await harness.Client.GetStatusAsync(harness.Provider, "999999", CancellationToken.None)) is { OrderUnknown: true } unknown ? unknown.Error : "known");
    }

    [Fact]
    public async Task SmartPanel_refuses_an_interval_it_does_not_allow_in_its_status_error_shape_and_answers_unknown_ids_with_a_bare_string()
    {
        await using var sim = await ProviderSimulator.StartAsync(Settings(PanelFamily.SmartPanel));
        await using var harness = new ClientHarness(sim.ApiUrl);

        Assert.Equal("refused:Temporary:Other", await AddAsync(harness, new AddOrderRequest("1", "https://x/drip", 100, Runs: 3, Interval: 7)));
        Assert.Equal("accepted", await AddAsync(harness, new AddOrderRequest("1", "https://x/ok", 100)));
        var id = sim.Orders.All()[0].Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var statuses = await harness.Client.GetStatusesAsync(harness.Provider, [id, "999999"], CancellationToken.None);

        Assert.Equal("state:Pending:remains=none", CorpusTests.Describe(statuses[id]));
        Assert.Equal("unknown-order:Incorrect order ID", CorpusTests.Describe(statuses["999999"]));
        Assert.Contains(sim.Record.Requests("add"), r => r.Field("interval") == "7");
    }

    [Fact]
    public async Task SmartPanel_counts_custom_comments_split_on_a_bar_as_well_as_on_new_lines()
    {
        await using var sim = await ProviderSimulator.StartAsync(Settings(PanelFamily.SmartPanel));
        await using var harness = new ClientHarness(sim.ApiUrl);

        var comments = "one | two\nthree\nfour\nfive";
        var outcome = await harness.Client.AddAsync(harness.Provider,
            AddOrderRequest.ForType("custom_comments", "5", "https://x/c", null, new Dictionary<string, string> { ["comments"] = comments }), CancellationToken.None);

        var accepted = Assert.IsType<AddOutcome.Accepted>(outcome);
        Assert.Equal(5, sim.Orders.Find(long.Parse(accepted.ProviderOrderId, System.Globalization.CultureInfo.InvariantCulture))!.Quantity);
    }

    [Theory]
    [InlineData(PanelFamily.SmartPanel, "null", "null", "true")]
    [InlineData(PanelFamily.PanelScript, "null", "null", "null")]
    [InlineData(PanelFamily.Laravel, "false", "false", "null")]
    public async Task A_service_list_without_a_flag_reads_it_as_unknown(PanelFamily family, string refill, string cancel, string dripfeed)
    {
        await using var sim = await ProviderSimulator.StartAsync(Settings(family));
        await using var harness = new ClientHarness(sim.ApiUrl);

        var services = await harness.Client.GetServicesAsync(harness.Provider, CancellationToken.None);

        var first = services[0];
        Assert.Equal((refill, cancel, dripfeed), (Flag(first.Refill), Flag(first.Cancel), Flag(first.Dripfeed)));
        Assert.Equal(sim.Settings.Services.Count, services.Count);
        Assert.Contains(services, s => SmmServiceType.For(s.Type).Name == (family == PanelFamily.Laravel ? "Default" : "Custom Comments"));
    }

    [Theory]
    [MemberData(nameof(Families))]
    public async Task A_wrong_key_is_an_authentication_failure_for_every_call(PanelFamily family)
    {
        var settings = Settings(family);
        settings.ApiKey = "another";
        await using var sim = await ProviderSimulator.StartAsync(settings);
        await using var harness = new ClientHarness(sim.ApiUrl);

        var add = await AddAsync(harness, new AddOrderRequest("1", "https://x/k", 100));
        var balance = await Assert.ThrowsAsync<ProviderCallException>(() => harness.Client.GetBalanceAsync(harness.Provider, CancellationToken.None));
        var status = await Assert.ThrowsAsync<ProviderCallException>(() => harness.Client.GetStatusAsync(harness.Provider, "1", CancellationToken.None));

        Assert.Equal("refused:Temporary:AuthenticationFailed", add);
        Assert.Equal((ProviderCallFailure.AuthenticationFailed, ProviderCallFailure.AuthenticationFailed), (balance.Failure, status.Failure));
    }

    [Fact]
    public async Task The_php_families_send_json_as_html_with_a_session_cookie_and_four_decimal_money()
    {
        await using var sim = await ProviderSimulator.StartAsync(Settings(PanelFamily.SmartPanel));
        using var http = new HttpClient();

        using var response = await http.PostAsync(sim.ApiUrl,
            new FormUrlEncodedContent(new Dictionary<string, string> { ["key"] = ClientHarness.Key, ["action"] = "balance" }));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("csrfToken=", StringComparison.Ordinal));
        Assert.Matches("\"balance\": \"1000000\\.0000\"", body);
        Assert.EndsWith("/api/v1", sim.ApiUrl.AbsolutePath, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SmartPanel_at_api_v2_is_a_403_page_read_as_its_words_and_the_panel_script_elsewhere_a_redirect_read_as_unknown()
    {
        await using var smartPanel = await ProviderSimulator.StartAsync(Settings(PanelFamily.SmartPanel));
        await using var panelScript = await ProviderSimulator.StartAsync(Settings(PanelFamily.PanelScript));
        await using var atV2 = new ClientHarness(new Uri(smartPanel.BaseUrl, "api/v2"));
        await using var atV1 = new ClientHarness(new Uri(panelScript.BaseUrl, "api/v1"));

        var forbidden = await atV2.Client.AddAsync(atV2.Provider, new AddOrderRequest("1", "https://x/v2", 100), CancellationToken.None);
        var redirected = await atV1.Client.AddAsync(atV1.Provider, new AddOrderRequest("1", "https://x/v1", 100), CancellationToken.None);

        var refused = Assert.IsType<AddOutcome.Refused>(forbidden);
        Assert.Equal("HTTP 403: Error: An Error Was Encountered The action you have requested is not allowed.", refused.Message);
        var unknown = Assert.IsType<AddOutcome.Unknown>(redirected);
        Assert.True(unknown.Redirected);
        Assert.Contains($"redirect to {panelScript.BaseUrl}", unknown.Reason, StringComparison.Ordinal);
        Assert.Equal(0, smartPanel.Orders.Count + panelScript.Orders.Count);
    }

    [Fact]
    public async Task The_panel_script_has_no_multi_status_so_its_orders_are_asked_one_call_each_and_it_has_no_cancel()
    {
        await using var sim = await ProviderSimulator.StartAsync(Settings(PanelFamily.PanelScript));
        await using var harness = new ClientHarness(sim.ApiUrl);
        Assert.Equal("accepted", await AddAsync(harness, new AddOrderRequest("1", "https://x/m", 100)));
        var known = sim.Record.Requests("add").Single().CreatedOrderId!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var first = await harness.Client.GetStatusesAsync(harness.Provider, [known, "99999"], CancellationToken.None);
        var again = await harness.Client.GetStatusesAsync(harness.Provider, [known, "99999"], CancellationToken.None);
        var cancel = await harness.Client.CancelAsync(harness.Provider, [known], CancellationToken.None);

        foreach (var answers in new[] { first, again })
        {
            Assert.Equal(ProviderOrderState.Pending, answers[known].State);
            Assert.True(answers["99999"].OrderUnknown);
            Assert.Equal("Order not found.", answers["99999"].Error);
        }

        // One multi-status call, answered "Order not found." for the whole call; from then on one id a call, one call at a time.
        var statusCalls = sim.Record.Requests("status");
        Assert.Single(statusCalls, r => r.Field("orders") is not null);
        Assert.Equal(4, statusCalls.Count(r => r.Field("order") is not null));
        Assert.IsType<CancelOutcome.Unknown>(cancel[known]);
    }

    [Fact]
    public async Task A_multi_status_answer_that_knows_none_of_the_orders_is_asked_again_next_time()
    {
        await using var sim = await ProviderSimulator.StartAsync(Settings(PanelFamily.PanelScript));
        await using var harness = new ClientHarness(sim.ApiUrl);

        var first = await harness.Client.GetStatusesAsync(harness.Provider, ["99998", "99999"], CancellationToken.None);
        await harness.Client.GetStatusesAsync(harness.Provider, ["99998", "99999"], CancellationToken.None);

        Assert.All(first.Values, a => Assert.True(a.OrderUnknown));
        Assert.Equal(2, sim.Record.Requests("status").Count(r => r.Field("orders") is not null));
    }

    private static string Flag(bool? flag) => flag switch { true => "true", false => "false", null => "null" };
}
