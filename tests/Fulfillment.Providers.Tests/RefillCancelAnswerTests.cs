using System.Net;
using Fulfillment.Providers.Smm;
using Fulfillment.Providers.Tests.Infrastructure;

namespace Fulfillment.Providers.Tests;

/// <summary>Recorded refill, refill status and cancel answers.</summary>
[Trait("Lane", "Fast")]
public sealed class RefillCancelAnswerTests
{
    private static async Task<IReadOnlyDictionary<string, CancelOutcome>> CancelAsync(string body, params string[] ids)
    {
        await using var harness = ClientHarness.WithStub(StubHandler.Answer(HttpStatusCode.OK, body));
        return await harness.Client.CancelAsync(harness.Provider, ids, CancellationToken.None);
    }

    [Fact]
    public async Task A_multi_cancel_answer_keeps_per_item_errors()
    {
        var results = await CancelAsync("""[{"order":9,"cancel":{"error":"Incorrect order ID"}},{"order":2,"cancel":1}]""", "9", "2", "3");

        Assert.Equal(new CancelOutcome.Refused("Incorrect order ID"), results["9"]);
        Assert.Equal(new CancelOutcome.Accepted(), results["2"]);
        Assert.IsType<CancelOutcome.Unknown>(results["3"]);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("true")]
    [InlineData("""{"status":"success"}""")]
    [InlineData("""{"cancel":1}""")]
    [InlineData("""{"cancel":"1"}""")]
    [InlineData("""{"cancel":true}""")]
    [InlineData("""[{"order":2,"cancel":true}]""")]
    [InlineData("""[{"order":2,"cancel":{"status":"success"}}]""")]
    public async Task Every_way_of_saying_yes_is_accepted(string body)
    {
        var results = await CancelAsync(body, "2");

        Assert.Equal(new CancelOutcome.Accepted(), results["2"]);
    }

    [Fact]
    public async Task A_cancel_error_object_refuses_every_order()
    {
        var results = await CancelAsync("""{"error":"Incorrect order ID"}""", "2", "3");

        Assert.All(results.Values, r => Assert.Equal(new CancelOutcome.Refused("Incorrect order ID"), r));
    }

    [Fact]
    public async Task A_lost_cancel_answer_is_unknown_and_not_retried()
    {
        var stub = StubHandler.Answer(HttpStatusCode.BadGateway, "<html>502</html>");
        await using var harness = ClientHarness.WithStub(stub);

        var results = await harness.Client.CancelAsync(harness.Provider, ["2"], CancellationToken.None);

        Assert.IsType<CancelOutcome.Unknown>(results["2"]);
        Assert.Equal(1, stub.Calls);
    }

    [Theory]
    [InlineData("""{"refill":"1"}""", "1")]
    [InlineData("""{"refill":77}""", "77")]
    public async Task A_single_refill_is_accepted_with_its_id(string body, string id)
    {
        await using var harness = ClientHarness.WithStub(StubHandler.Answer(HttpStatusCode.OK, body));

        var outcome = await harness.Client.RefillAsync(harness.Provider, "5", CancellationToken.None);

        Assert.Equal(new RefillOutcome.Accepted(id), outcome);
    }

    [Fact]
    public async Task A_multi_refill_answer_keeps_nested_errors()
    {
        var stub = StubHandler.Answer(HttpStatusCode.OK, """[{"order":1,"refill":1},{"order":3,"refill":{"error":"Incorrect order ID"}}]""");
        await using var harness = ClientHarness.WithStub(stub);

        var results = await harness.Client.RefillManyAsync(harness.Provider, ["1", "3"], CancellationToken.None);

        Assert.Equal(new RefillOutcome.Accepted("1"), results["1"]);
        Assert.Equal(new RefillOutcome.Refused("Incorrect order ID"), results["3"]);
    }

    [Fact]
    public async Task A_refill_whose_connection_resets_is_unknown_and_not_retried()
    {
        var stub = StubHandler.ResetAfterSending();
        await using var harness = ClientHarness.WithStub(stub);

        var outcome = await harness.Client.RefillAsync(harness.Provider, "5", CancellationToken.None);

        Assert.IsType<RefillOutcome.Unknown>(outcome);
        Assert.Equal(1, stub.Calls);
    }

    [Fact]
    public async Task Refill_status_single_and_multi_with_per_item_errors()
    {
        await using var single = ClientHarness.WithStub(StubHandler.Answer(HttpStatusCode.OK, """{"status":"Completed"}"""));
        var one = await single.Client.GetRefillStatusAsync(single.Provider, "1", CancellationToken.None);
        Assert.Equal(new RefillStatusResult(ProviderOrderState.Completed, "Completed"), one);

        await using var multi = ClientHarness.WithStub(StubHandler.Answer(
            HttpStatusCode.OK,
            """[{"refill":1,"status":"Completed"},{"refill":"2","status":"Rejected"},{"refill":3,"status":{"error":"Refill not found"}},{"refill":4,"error":"Incorrect refill ID"}]"""));
        var many = await multi.Client.GetRefillStatusesAsync(multi.Provider, ["1", "2", "3", "4"], CancellationToken.None);

        Assert.Equal(ProviderOrderState.Completed, many["1"].State);
        Assert.Equal(ProviderOrderState.Failed, many["2"].State);
        Assert.Equal("Refill not found", many["3"].Error);
        Assert.Equal("Incorrect refill ID", many["4"].Error);
    }
}
