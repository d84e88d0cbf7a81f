using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Fulfillment.Providers.Smm;
using Fulfillment.Providers.SmsActivate;
using Fulfillment.Providers.Tests.Infrastructure;
using static Fulfillment.Providers.Tests.ProviderTextTests;

namespace Fulfillment.Providers.Tests;

/// <summary>
/// Answers a hostile or broken provider sends — control characters, lone surrogates, invalid UTF-8, oversized
/// strings, unusable ids — played through the real client: nothing it returns may break a column or a jsonb value.
/// </summary>
[Trait("Lane", "Fast")]
public sealed class HostileAnswerTests
{
    private static readonly AddOrderRequest Order = new("1", "https://instagram.com/p/abc", 100);

    /// <summary>JSON text as a provider sends it: <c>\u0000</c>, ESC, BEL and a lone surrogate escape.</summary>
    private const string Dirty = @"\u0000Not enough funds\u001b[31m\u0007 on balance\ud800";

    private static async Task<T> CallAsync<T>(string body, Func<ClientHarness, Task<T>> call, string contentType = "application/json")
    {
        await using var harness = ClientHarness.WithStub(StubHandler.Answer(HttpStatusCode.OK, body, contentType));
        return await call(harness);
    }

    private static StubHandler Bytes(byte[] body) => StubHandler.Custom((_, _) =>
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = content });
    });

    public static TheoryData<string, string> UnusableOrderIds => new()
    {
        { """{"order":"12,13"}""", "comma" },
        { """{"order":"12\u0000"}""", "control character" },
        { """{"order":"12 13"}""", "whitespace" },
        { """{"order":"12\ud800"}""", "'\uFFFD'" },
        { $$"""{"order":"{{new string('7', 500)}}"}""", "500 characters long" },
        { $$"""{"order":{{new string('7', 300)}}}""", "300 characters long" },
    };

    [Theory]
    [MemberData(nameof(UnusableOrderIds))]
    public async Task An_add_answered_with_an_id_the_engine_cannot_use_is_accepted_unusable_not_unknown(string body, string problem)
    {
        var outcome = await CallAsync(body, h => h.Client.AddAsync(h.Provider, Order, CancellationToken.None));

        var unusable = Assert.IsType<AddOutcome.AcceptedUnusable>(outcome);
        Assert.Contains(problem, unusable.Reason, StringComparison.Ordinal);
        AssertStorable(unusable.Reason, ProviderText.MessageLength);
    }

    [Fact]
    public async Task An_error_with_control_characters_and_a_lone_surrogate_is_cleaned_and_still_classified()
    {
        var outcome = await CallAsync($$"""{"error":"{{Dirty}}"}""", h => h.Client.AddAsync(h.Provider, Order, CancellationToken.None));

        Assert.Equal(new AddOutcome.Refused(RefusalKind.Temporary, RefusalReason.InsufficientFunds, "Not enough funds[31m on balance\uFFFD"), outcome);
    }

    [Fact]
    public async Task Invalid_utf8_and_an_oversized_error_are_replaced_and_cut()
    {
        var body = Encoding.UTF8.GetBytes("""{"error":"bad \uFFFD byte""").Concat(new byte[] { 0xFF, 0xC3 })
            .Concat(Encoding.UTF8.GetBytes(new string('x', 5000) + "\"}")).ToArray();
        await using var harness = ClientHarness.WithStub(Bytes(body));

        var outcome = await harness.Client.AddAsync(harness.Provider, Order, CancellationToken.None);

        var refused = Assert.IsType<AddOutcome.Refused>(outcome);
        Assert.StartsWith("bad \uFFFD byte\uFFFD", refused.Message, StringComparison.Ordinal);
        Assert.EndsWith("…", refused.Message, StringComparison.Ordinal);
        AssertStorable(refused.Message, ProviderText.MessageLength);
    }

    [Fact]
    public async Task An_html_page_with_control_characters_is_described_without_them()
    {
        await using var harness = ClientHarness.WithStub(StubHandler.Answer(HttpStatusCode.NotFound, "<html>\0Not\u0007 found</html>", "text/html"));

        var outcome = await harness.Client.AddAsync(harness.Provider, Order, CancellationToken.None);

        var refused = Assert.IsType<AddOutcome.Refused>(outcome);
        Assert.Equal("HTTP 404: Not found", refused.Message);
    }

    [Fact]
    public async Task Status_words_currency_and_errors_are_cleaned_and_a_hostile_key_breaks_nothing()
    {
        var body = $$"""
            {
              "\ud800": {"status":"Completed"},
              "5": {"charge":"1","start_count":"3","status":"Comp\u0000leted\u0007","remains":"0","currency":"US\u0000D"},
              "6": {"status":"In progress\ud800"},
              "7": {"error":"{{Dirty}}"},
              "8": {"status":"{{new string('p', 1000)}}"}
            }
            """;

        var answers = await CallAsync(body, h => h.Client.GetStatusesAsync(h.Provider, ["5", "6", "7", "8"], CancellationToken.None));

        Assert.Equal((ProviderOrderState.Completed, "Completed", "USD"), (answers["5"].State, answers["5"].RawStatus, answers["5"].Currency));
        Assert.Equal((ProviderOrderState.Unknown, "In progress\uFFFD"), (answers["6"].State, answers["6"].RawStatus));
        Assert.Equal("Not enough funds[31m on balance\uFFFD", answers["7"].Error);
        Assert.Equal(ProviderOrderState.Unknown, answers["8"].State);
        Assert.All(answers.Values, a =>
        {
            AssertStorable(a.RawStatus, ProviderText.WordLength);
            AssertStorable(a.Error, ProviderText.MessageLength);
        });
    }

    [Fact]
    public async Task A_whole_call_error_with_control_characters_throws_a_clean_message()
    {
        var ex = await Assert.ThrowsAsync<ProviderCallException>(() =>
            CallAsync("""{"error":"Invalid API key\u0000\u001b[0m"}""", h => h.Client.GetStatusesAsync(h.Provider, ["5"], CancellationToken.None)));

        Assert.Equal(ProviderCallFailure.AuthenticationFailed, ex.Failure);
        Assert.EndsWith("Invalid API key[0m", ex.Message, StringComparison.Ordinal);
        AssertStorable(ex.Message, 1000);
    }

    [Fact]
    public async Task Service_lists_keep_only_usable_ids_and_clean_names_types_and_categories()
    {
        var body = $$"""
            [
              {"service":1,"name":"{{Dirty}}","type":"Def\u0000ault","category":"Insta\u0007gram\ud800","rate":"0.9","min":"10","max":"100"},
              {"service":"2,3","name":"comma id"},
              {"service":"4\u0000","name":"nul id"},
              {"service":"{{new string('9', 100)}}","name":"long id"},
              {"service":5,"name":"{{new string('n', 2000)}}","type":"{{new string('t', 2000)}}"}
            ]
            """;

        var services = await CallAsync(body, h => h.Client.GetServicesAsync(h.Provider, CancellationToken.None));

        Assert.Equal(["1", "5"], services.Select(s => s.ServiceId));
        Assert.Equal(("Not enough funds[31m on balance\uFFFD", "Default", "Instagram\uFFFD"), (services[0].Name, services[0].Type, services[0].Category));
        Assert.Equal(ProviderText.NameLength, services[1].Name.Length);
        Assert.All(services, s =>
        {
            AssertStorable(s.Name, ProviderText.NameLength);
            AssertStorable(s.Type, ProviderText.WordLength);
            AssertStorable(s.Category, ProviderText.NameLength);
        });
    }

    [Fact]
    public async Task A_balance_currency_is_cleaned()
    {
        var balance = await CallAsync("""{"balance":"100.5","currency":"\u0000USD\u0007\ud800"}""", h => h.Client.GetBalanceAsync(h.Provider, CancellationToken.None));

        Assert.Equal(new BalanceResult(100.5m, "USD\uFFFD"), balance);
    }

    [Theory]
    [InlineData("""{"refill":"1,2"}""", typeof(RefillOutcome.AcceptedUnusable))]
    [InlineData("""{"refill":"7\u0000"}""", typeof(RefillOutcome.AcceptedUnusable))]
    [InlineData("""{"refill":{"error":"Refill\u0000 not allowed\u001b"}}""", typeof(RefillOutcome.Refused))]
    [InlineData("""{"refill":"77"}""", typeof(RefillOutcome.Accepted))]
    public async Task Refill_ids_are_validated_and_refill_errors_cleaned(string body, Type expected)
    {
        var outcome = await CallAsync(body, h => h.Client.RefillAsync(h.Provider, "5", CancellationToken.None));

        Assert.IsType(expected, outcome);
        AssertStorable(outcome switch
        {
            RefillOutcome.AcceptedUnusable u => u.Reason,
            RefillOutcome.Refused r => r.Message,
            RefillOutcome.Accepted a => a.RefillId,
            _ => "",
        }, ProviderText.MessageLength);
    }

    [Fact]
    public async Task Refill_statuses_and_cancel_answers_are_cleaned()
    {
        var refill = await CallAsync("""[{"refill":1,"status":"Compl\u0000eted"},{"refill":2,"status":{"error":"Refill\u0007 not found\ud800"}}]""",
            h => h.Client.GetRefillStatusesAsync(h.Provider, ["1", "2"], CancellationToken.None));
        var cancel = await CallAsync("""[{"order":9,"cancel":{"error":"Incorrect\u0000 order ID"}},{"order":2,"cancel":"fa\u0000il"}]""",
            h => h.Client.CancelAsync(h.Provider, ["9", "2"], CancellationToken.None));

        Assert.Equal((ProviderOrderState.Completed, "Completed"), (refill["1"].State, refill["1"].RawStatus));
        Assert.Equal("Refill not found\uFFFD", refill["2"].Error);
        Assert.Equal(new CancelOutcome.Refused("Incorrect order ID"), cancel["9"]);
        var unknown = Assert.IsType<CancelOutcome.Unknown>(cancel["2"]);
        AssertStorable(unknown.Reason, ProviderText.MessageLength);
    }

    public static TheoryData<string, Type> SmsRents => new()
    {
        { "ACCESS_NUMBER:12,3:79001234567", typeof(NumberOutcome.RentedUnusable) },
        { "ACCESS_NUMBER:12\0:79001234567", typeof(NumberOutcome.RentedUnusable) },
        { $"ACCESS_NUMBER:{new string('7', 300)}:79001234567", typeof(NumberOutcome.RentedUnusable) },
        { "ACCESS_NUMBER\0\u0007:12:79001234567", typeof(NumberOutcome.Rented) },
        { "ACCESS_NUMBER:12:7900\01234567\u001b", typeof(NumberOutcome.Rented) },
        { "NO_NUMBERS\0\u0007", typeof(NumberOutcome.Refused) },
    };

    [Theory]
    [MemberData(nameof(SmsRents))]
    public async Task A_rented_activation_id_is_validated_and_every_sms_text_cleaned(string body, Type expected)
    {
        var outcome = await CallAsync(body, h => h.Get<ISmsActivateClient>().GetNumberAsync(h.Provider, "tg", "0", CancellationToken.None), "text/plain");

        Assert.IsType(expected, outcome);
        switch (outcome)
        {
            case NumberOutcome.Rented rented:
                Assert.Equal(("12", "79001234567"), (rented.ActivationId, rented.Phone));
                break;
            case NumberOutcome.Refused refused:
                Assert.Equal((SmsRefusal.NoNumbers, "NO_NUMBERS"), (refused.Reason, refused.Message));
                break;
            case NumberOutcome.RentedUnusable unusable:
                AssertStorable(unusable.Reason, ProviderText.MessageLength);
                break;
        }
    }

    [Fact]
    public async Task An_activation_status_code_and_word_are_cleaned()
    {
        var status = await CallAsync("STATUS_OK\0\u0007:12\u001b345", h => h.Get<ISmsActivateClient>().GetStatusAsync(h.Provider, "12", CancellationToken.None), "text/plain");

        Assert.Equal((ActivationState.Ok, "12345", "STATUS_OK:12345"), (status.State, status.Code, status.Raw));
    }
}
