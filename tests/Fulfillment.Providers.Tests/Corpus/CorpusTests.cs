using System.Globalization;
using System.Net;
using System.Text;
using Fulfillment.Providers.Smm;
using Fulfillment.Providers.Tests.Infrastructure;

namespace Fulfillment.Providers.Tests.Corpus;

/// <summary>
/// Every body of <see cref="PanelCorpus"/>, played through the real client as the panel sends it (status, content type,
/// Location). Expectations: <c>accepted:ID</c>, <c>refused:KIND:REASON</c> (add) or <c>refused</c>, <c>unknown</c>,
/// <c>unknown:redirect</c>; <c>state:STATE:remains=N|none</c> (none: no delivery figure); <c>unknown-order:WORDS</c>;
/// <c>error:WORDS</c>; <c>throws:FAILURE</c>; <c>balance:AMOUNT:CURRENCY</c>; <c>services:COUNT[:refill=..:cancel=..:dripfeed=..:type=..]</c>;
/// multi-status: <c>ID=expectation;ID=expectation</c>.
/// </summary>
[Trait("Lane", "Fast")]
public sealed class CorpusTests
{
    public static TheoryData<CorpusAnswer> Answers(string action) => [.. PanelCorpus.For(action)];

    public static TheoryData<CorpusAnswer> Adds => Answers("add");

    public static TheoryData<CorpusAnswer> Statuses => Answers("status");

    public static TheoryData<CorpusAnswer> MultiStatuses => Answers("multi-status");

    public static TheoryData<CorpusAnswer> Refills => Answers("refill");

    public static TheoryData<CorpusAnswer> RefillStatuses => Answers("refill_status");

    public static TheoryData<CorpusAnswer> Cancels => Answers("cancel");

    public static TheoryData<CorpusAnswer> Balances => Answers("balance");

    public static TheoryData<CorpusAnswer> ServiceLists => Answers("services");

    [Fact]
    public void Every_body_names_its_source_and_every_action_and_family_is_covered()
    {
        Assert.All(PanelCorpus.All, a => Assert.Matches(@"^[\w.-]+/[\w.-]+:\S", a.Source));
        foreach (var action in new[] { "add", "status", "multi-status", "refill", "refill_status", "cancel", "balance", "services" })
        {
            foreach (var family in new[] { PanelCorpus.SmartPanel, PanelCorpus.PanelScript, PanelCorpus.Laravel })
                Assert.True(PanelCorpus.All.Any(a => a.Action == action && a.Family == family), $"{family} has no {action} answer");
        }
    }

    [Theory]
    [MemberData(nameof(Adds))]
    public async Task Add(CorpusAnswer answer)
    {
        await using var harness = ClientHarness.WithStub(Play(answer));

        var outcome = await harness.Client.AddAsync(harness.Provider, new AddOrderRequest("1", "https://instagram.com/p/abc", 100), CancellationToken.None);

        var got = outcome switch
        {
            AddOutcome.Accepted a => $"accepted:{a.ProviderOrderId}",
            AddOutcome.Refused r => $"refused:{r.Kind}:{r.Reason}",
            AddOutcome.Unknown { Redirected: true } => "unknown:redirect",
            AddOutcome.Unknown => "unknown",
            _ => outcome.ToString(),
        };
        Assert.Equal(answer.Expect, got);
        if (outcome is AddOutcome.Refused refused)
        {
            // The provider's words are kept, whatever shape they came in.
            Assert.DoesNotContain("{", refused.Message, StringComparison.Ordinal);
            Assert.True(refused.Message.Length > 5 && !refused.Message.Equals("error", StringComparison.Ordinal), refused.Message);
        }
    }

    [Theory]
    [MemberData(nameof(Statuses))]
    public async Task Status(CorpusAnswer answer)
    {
        await using var harness = ClientHarness.WithStub(Play(answer));

        var got = await Describe(() => harness.Client.GetStatusAsync(harness.Provider, "1234", CancellationToken.None), Describe);

        Assert.Equal(answer.Expect, got);
    }

    [Theory]
    [MemberData(nameof(MultiStatuses))]
    public async Task Multi_status(CorpusAnswer answer)
    {
        await using var harness = ClientHarness.WithStub(Play(answer));

        var got = await Describe(() => harness.Client.GetStatusesAsync(harness.Provider, ["1234", "99"], CancellationToken.None),
            results => string.Join(';', results.OrderByDescending(r => r.Key.Length).Select(r => $"{r.Key}={Describe(r.Value)}")));

        Assert.Equal(answer.Expect, got);
    }

    [Theory]
    [MemberData(nameof(Refills))]
    public async Task Refill(CorpusAnswer answer)
    {
        await using var harness = ClientHarness.WithStub(Play(answer));

        var outcome = await harness.Client.RefillAsync(harness.Provider, "1234", CancellationToken.None);

        Assert.Equal(answer.Expect, outcome switch
        {
            RefillOutcome.Accepted a => $"accepted:{a.RefillId}",
            RefillOutcome.Refused => "refused",
            RefillOutcome.Unknown => "unknown",
            _ => outcome.ToString(),
        });
    }

    [Theory]
    [MemberData(nameof(RefillStatuses))]
    public async Task Refill_status(CorpusAnswer answer)
    {
        await using var harness = ClientHarness.WithStub(Play(answer));

        var got = await Describe(() => harness.Client.GetRefillStatusAsync(harness.Provider, "17", CancellationToken.None),
            r => r.Error is { } error ? $"error:{error}" : $"state:{r.State}");

        Assert.Equal(answer.Expect, got);
    }

    [Theory]
    [MemberData(nameof(Cancels))]
    public async Task Cancel(CorpusAnswer answer)
    {
        await using var harness = ClientHarness.WithStub(Play(answer));

        var outcomes = await harness.Client.CancelAsync(harness.Provider, ["1234"], CancellationToken.None);

        Assert.Equal(answer.Expect, outcomes["1234"] switch
        {
            CancelOutcome.Accepted => "accepted",
            CancelOutcome.Refused => "refused",
            CancelOutcome.Unknown => "unknown",
            var other => other.ToString(),
        });
    }

    [Theory]
    [MemberData(nameof(Balances))]
    public async Task Balance(CorpusAnswer answer)
    {
        await using var harness = ClientHarness.WithStub(Play(answer));

        var got = await Describe(() => harness.Client.GetBalanceAsync(harness.Provider, CancellationToken.None),
            b => $"balance:{b.Balance.ToString(CultureInfo.InvariantCulture)}:{b.Currency}");

        Assert.Equal(answer.Expect, got);
    }

    [Theory]
    [MemberData(nameof(ServiceLists))]
    public async Task Services(CorpusAnswer answer)
    {
        await using var harness = ClientHarness.WithStub(Play(answer));

        var got = await Describe(() => harness.Client.GetServicesAsync(harness.Provider, CancellationToken.None), list => list.Count == 0
            ? "services:0"
            : $"services:{list.Count}:refill={Flag(list[0].Refill)}:cancel={Flag(list[0].Cancel)}:dripfeed={Flag(list[0].Dripfeed)}:type={SmmServiceType.For(list[0].Type).Name}");

        Assert.Equal(answer.Expect, got);
    }

    /// <summary>The recorded answer, every time it is asked: with its own status, content type and Location.</summary>
    internal static StubHandler Play(CorpusAnswer answer) => StubHandler.Custom((_, _) =>
    {
        var response = new HttpResponseMessage((HttpStatusCode)answer.Status)
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(answer.Body)),
        };
        response.Content.Headers.TryAddWithoutValidation("Content-Type", answer.ContentType);
        if (answer.Location is { } location)
            response.Headers.TryAddWithoutValidation("Location", location);
        return Task.FromResult(response);
    });

    internal static string Describe(StatusResult r) =>
        r.OrderUnknown ? $"unknown-order:{r.Error}"
        : r.Error is { } error ? $"error:{error}"
        : $"state:{r.State}:remains={(r.DeliveryRemains is { } remains ? remains.ToString(CultureInfo.InvariantCulture) : "none")}";

    private static string Flag(bool? flag) => flag switch { true => "true", false => "false", null => "null" };

    private static async Task<string> Describe<T>(Func<Task<T>> call, Func<T, string> describe)
    {
        try
        {
            return describe(await call());
        }
        catch (ProviderCallException ex)
        {
            return $"throws:{ex.Failure}";
        }
    }
}
