using System.Net;
using Fulfillment.Providers.Smm;
using Fulfillment.Providers.Tests.Infrastructure;

namespace Fulfillment.Providers.Tests;

/// <summary>Recorded status answers from real providers, played through the real client.</summary>
[Trait("Lane", "Fast")]
public sealed class StatusAnswerTests
{
    private static async Task<StatusResult> StatusAsync(string body)
    {
        await using var harness = ClientHarness.WithStub(StubHandler.Answer(HttpStatusCode.OK, body));
        return await harness.Client.GetStatusAsync(harness.Provider, "23501", CancellationToken.None);
    }

    private static async Task<IReadOnlyDictionary<string, StatusResult>> StatusesAsync(string body, params string[] ids)
    {
        await using var harness = ClientHarness.WithStub(StubHandler.Answer(HttpStatusCode.OK, body));
        return await harness.Client.GetStatusesAsync(harness.Provider, ids, CancellationToken.None);
    }

    [Fact]
    public async Task Numbers_as_strings_are_read()
    {
        var result = await StatusAsync("""{"charge":"0.27819","start_count":"3572","status":"Partial","remains":"157","currency":"USD"}""");

        Assert.Equal(new StatusResult(ProviderOrderState.Partial, "Partial", 3572, 157, 0.27819m, "USD"), result);
    }

    [Fact]
    public async Task Numbers_as_numbers_are_read()
    {
        var result = await StatusAsync("""{"charge":0.27819,"start_count":3572,"status":"Completed","remains":0,"currency":"USD"}""");

        Assert.Equal(new StatusResult(ProviderOrderState.Completed, "Completed", 3572, 0, 0.27819m, "USD"), result);
    }

    [Fact]
    public async Task Negative_remains_are_kept_as_sent()
    {
        var result = await StatusAsync("""{"charge":"1.2","start_count":"10","status":"Completed","remains":"-35","currency":"USD"}""");

        Assert.Equal(-35, result.Remains);
    }

    [Fact]
    public async Task Remains_above_the_quantity_are_kept_as_sent()
    {
        var result = await StatusAsync("""{"charge":"1.2","start_count":"10","status":"Partial","remains":"250000","currency":"USD"}""");

        Assert.Equal(250000, result.Remains);
    }

    [Fact]
    public async Task Empty_strings_are_unknown_numbers()
    {
        var result = await StatusAsync("""{"charge":"","start_count":"","status":"Pending","remains":"","currency":""}""");

        Assert.Equal(new StatusResult(ProviderOrderState.Pending, "Pending", null, null, null, null), result);
    }

    [Fact]
    public async Task An_error_object_with_a_status_field_is_an_error_not_a_status()
    {
        var result = await StatusAsync("""{"error":"Incorrect order ID","status":"102"}""");

        Assert.Equal(StatusResult.ForError("Incorrect order ID"), result);
    }

    [Fact]
    public async Task An_unknown_spelling_is_unknown_and_kept_verbatim()
    {
        var result = await StatusAsync("""{"status":"Awaiting moderation","remains":"5"}""");

        Assert.Equal((ProviderOrderState.Unknown, "Awaiting moderation"), (result.State, result.RawStatus));
    }

    [Fact]
    public async Task A_multi_answer_keeps_per_item_errors_and_reads_int_and_string_ids()
    {
        var results = await StatusesAsync(
            """
            {"1":{"charge":"0.27819","start_count":"3572","status":"Partial","remains":"157","currency":"USD"},
             "10":{"error":"Incorrect order ID"},
             "100":{"charge":1.5,"start_count":0,"status":"In progress","remains":20,"currency":"USD"}}
            """,
            "1", "10", "100", "404");

        Assert.Equal(ProviderOrderState.Partial, results["1"].State);
        Assert.Equal("Incorrect order ID", results["10"].Error);
        Assert.Equal((ProviderOrderState.InProgress, 20L), (results["100"].State, results["100"].Remains));
        Assert.Equal(ProviderOrderState.Unknown, results["404"].State);
        Assert.NotNull(results["404"].Error);
    }

    [Fact]
    public async Task A_subscription_answer_carries_its_posts_served_and_its_child_orders()
    {
        var results = await StatusesAsync(
            """
            {"31":{"status":"Active","posts":"3","orders":[901,"902","9,03","",{"id":1},902,"904"]},
             "32":{"status":"Paused","posts":2},
             "33":{"status":"Expired","posts":"5","orders":"901"}}
            """,
            "31", "32", "33");

        Assert.Equal((ProviderOrderState.Active, 3L), (results["31"].State, results["31"].Posts));
        // Unusable ids (a comma, empty, an object) are dropped, never cleaned into another id; each id once.
        Assert.Equal(["901", "902", "904"], results["31"].ChildOrders!);
        Assert.Equal((ProviderOrderState.Paused, 2L), (results["32"].State, results["32"].Posts));
        Assert.Null(results["32"].ChildOrders);
        Assert.Equal((ProviderOrderState.Expired, 5L), (results["33"].State, results["33"].Posts));
        Assert.Null(results["33"].ChildOrders);
    }

    [Fact]
    public async Task A_subscriptions_child_orders_are_read_up_to_the_bound()
    {
        var result = await StatusAsync("{\"status\":\"Active\",\"orders\":[" + string.Join(',', Enumerable.Range(1, 1500)) + "]}");

        Assert.Equal(StatusResult.MaxChildOrders, result.ChildOrders!.Count);
        Assert.Equal("1000", result.ChildOrders[^1]);
    }

    [Fact]
    public async Task A_multi_answer_as_an_array_is_read()
    {
        var results = await StatusesAsync("""[{"order":7,"status":"Canceled","remains":"100"},{"order":"8","status":"Cancelled"}]""", "7", "8");

        Assert.All(results.Values, r => Assert.Equal(ProviderOrderState.Canceled, r.State));
    }

    [Theory]
    [InlineData("<html><body>Cloudflare</body></html>", ProviderCallFailure.UnreadableAnswer)]
    [InlineData("", ProviderCallFailure.UnreadableAnswer)]
    [InlineData("""{"1":{"status":"Compl""", ProviderCallFailure.UnreadableAnswer)]
    [InlineData("""{"error":"Invalid API key"}""", ProviderCallFailure.AuthenticationFailed)]
    [InlineData("""{"error":"This action is Invalid"}""", ProviderCallFailure.ProviderError)]
    public async Task A_multi_answer_that_cannot_be_read_throws_with_the_reason(string body, ProviderCallFailure failure)
    {
        var ex = await Assert.ThrowsAsync<ProviderCallException>(() => StatusesAsync(body, "1", "2"));

        Assert.Equal(failure, ex.Failure);
    }

    [Fact]
    public async Task An_invalid_key_on_a_single_status_is_not_blamed_on_the_order()
    {
        var ex = await Assert.ThrowsAsync<ProviderCallException>(() => StatusAsync("""{"error":"Invalid API key"}"""));

        Assert.Equal(ProviderCallFailure.AuthenticationFailed, ex.Failure);
    }

    [Fact]
    public async Task More_than_100_ids_are_rejected_before_sending()
    {
        var stub = StubHandler.Answer(HttpStatusCode.OK, "{}");
        await using var harness = ClientHarness.WithStub(stub);
        var ids = Enumerable.Range(1, 101).Select(i => i.ToString()).ToList();

        await Assert.ThrowsAsync<ArgumentException>(() => harness.Client.GetStatusesAsync(harness.Provider, ids, CancellationToken.None));
        Assert.Equal(0, stub.Calls);
    }

    [Fact]
    public async Task Status_is_retried_after_a_5xx_and_a_429()
    {
        var stub = StubHandler.Sequence(
            (HttpStatusCode.BadGateway, "<html>502</html>"),
            (HttpStatusCode.TooManyRequests, "slow down"),
            (HttpStatusCode.OK, """{"status":"Completed","remains":"0"}"""));
        await using var harness = ClientHarness.WithStub(stub);

        var result = await harness.Client.GetStatusAsync(harness.Provider, "1", CancellationToken.None);

        Assert.Equal(ProviderOrderState.Completed, result.State);
        Assert.Equal(3, stub.Calls);
    }

    [Fact]
    public async Task Status_gives_up_after_the_configured_retries()
    {
        var stub = StubHandler.Answer(HttpStatusCode.ServiceUnavailable, "");
        await using var harness = ClientHarness.WithStub(stub, new Dictionary<string, string?> { ["Fulfillment:Providers:Defaults:RetryCount"] = "2" });

        var ex = await Assert.ThrowsAsync<ProviderCallException>(() => harness.Client.GetStatusAsync(harness.Provider, "1", CancellationToken.None));

        Assert.Equal(ProviderCallFailure.HttpStatus, ex.Failure);
        Assert.Equal(3, stub.Calls);
    }
}
