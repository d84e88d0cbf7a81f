using System.Net;
using Fulfillment.Providers.Smm;
using Fulfillment.Providers.Tests.Infrastructure;

namespace Fulfillment.Providers.Tests;

/// <summary>Recorded add answers from real providers, played through the real client.</summary>
[Trait("Lane", "Fast")]
public sealed class AddOutcomeTests
{
    private static readonly AddOrderRequest Order = new("1", "https://instagram.com/p/abc", 100);

    private static async Task<(AddOutcome Outcome, StubHandler Stub)> AddAsync(StubHandler stub)
    {
        await using var harness = ClientHarness.WithStub(stub);
        var outcome = await harness.Client.AddAsync(harness.Provider, Order, CancellationToken.None);
        return (outcome, stub);
    }

    [Theory]
    [InlineData("""{"order":23501}""", "23501")]
    [InlineData("""{"order":"23501"}""", "23501")]
    [InlineData("""  {"Order": " 23501 "}  """, "23501")]
    public async Task An_order_id_int_or_string_is_accepted(string body, string id)
    {
        var (outcome, _) = await AddAsync(StubHandler.Answer(HttpStatusCode.OK, body));

        Assert.Equal(new AddOutcome.Accepted(id), outcome);
    }

    [Theory]
    [InlineData("You have active order with this link. Please wait until order being completed.", RefusalKind.Temporary, RefusalReason.DuplicateLink)]
    [InlineData("Not enough funds on balance", RefusalKind.Temporary, RefusalReason.InsufficientFunds)]
    [InlineData("Incorrect service ID", RefusalKind.Permanent, RefusalReason.UnknownService)]
    [InlineData("Quantity less than minimal 10", RefusalKind.Permanent, RefusalReason.QuantityOutOfRange)]
    [InlineData("Quantity more than maximal 5000", RefusalKind.Permanent, RefusalReason.QuantityOutOfRange)]
    [InlineData("Incorrect link", RefusalKind.Permanent, RefusalReason.BadLink)]
    [InlineData("Invalid API key", RefusalKind.Temporary, RefusalReason.AuthenticationFailed)]
    [InlineData("This action is Invalid", RefusalKind.Temporary, RefusalReason.Misconfigured)]
    [InlineData("Too many requests, try again later", RefusalKind.Temporary, RefusalReason.RateLimited)]
    [InlineData("Something went wrong on our side", RefusalKind.Temporary, RefusalReason.Other)]
    public async Task A_provider_error_is_a_classified_refusal(string error, RefusalKind kind, RefusalReason reason)
    {
        var (outcome, _) = await AddAsync(StubHandler.Answer(HttpStatusCode.OK, $$"""{"error":"{{error}}"}"""));

        Assert.Equal(new AddOutcome.Refused(kind, reason, error), outcome);
    }

    [Theory]
    [InlineData("""{"order":23501,"error":""}""")]
    [InlineData("""{"order":"23501","error":"Not enough funds on balance"}""")]
    [InlineData("""{"status":"error","message":"Incorrect link","order":23501}""")]
    public async Task An_order_id_together_with_any_error_is_unknown_never_a_refusal(string body)
    {
        var (outcome, _) = await AddAsync(StubHandler.Answer(HttpStatusCode.OK, body));

        var unknown = Assert.IsType<AddOutcome.Unknown>(outcome);
        Assert.Contains("\"23501\"", unknown.Reason, StringComparison.Ordinal);
        Assert.False(unknown.Redirected);
    }

    [Theory]
    [InlineData("""{"status":"error","message":"Invalid Interval in minutes"}""", RefusalKind.Temporary, RefusalReason.Other, "Invalid Interval in minutes")]
    [InlineData("""{"status":"Error","message":"You have active order with this link"}""", RefusalKind.Temporary, RefusalReason.DuplicateLink,
        "You have active order with this link")]
    [InlineData("""{"status":"error","message":""}""", RefusalKind.Temporary, RefusalReason.Other, "error")]
    public async Task A_status_error_with_a_message_is_a_refusal_in_the_providers_words(string body, RefusalKind kind, RefusalReason reason, string message)
    {
        var (outcome, _) = await AddAsync(StubHandler.Answer(HttpStatusCode.OK, body));

        Assert.Equal(new AddOutcome.Refused(kind, reason, message), outcome);
    }

    [Fact]
    public async Task An_error_object_with_a_status_field_is_still_an_error()
    {
        var (outcome, _) = await AddAsync(StubHandler.Answer(HttpStatusCode.OK, """{"error":"Incorrect service ID","status":"102"}"""));

        Assert.Equal(new AddOutcome.Refused(RefusalKind.Permanent, RefusalReason.UnknownService, "Incorrect service ID"), outcome);
    }

    [Theory]
    [InlineData(HttpStatusCode.OK, "<!DOCTYPE html><html><title>Just a moment...</title></html>")]
    [InlineData(HttpStatusCode.OK, "<html><body>Site under maintenance</body></html>")]
    [InlineData(HttpStatusCode.OK, "")]
    [InlineData(HttpStatusCode.OK, "   ")]
    [InlineData(HttpStatusCode.OK, """{"order":235""")]
    [InlineData(HttpStatusCode.OK, """{"status":"ok"}""")]
    [InlineData(HttpStatusCode.InternalServerError, """{"order":1}""")]
    [InlineData(HttpStatusCode.BadGateway, "<html>502 Bad Gateway</html>")]
    [InlineData(HttpStatusCode.ServiceUnavailable, "")]
    [InlineData(HttpStatusCode.GatewayTimeout, "")]
    public async Task An_unreadable_answer_or_a_5xx_is_unknown_and_not_retried(HttpStatusCode status, string body)
    {
        var (outcome, stub) = await AddAsync(StubHandler.Answer(status, body));

        Assert.IsType<AddOutcome.Unknown>(outcome);
        Assert.Equal(1, stub.Calls);
    }

    [Fact]
    public async Task A_429_is_a_temporary_rate_limit_refusal()
    {
        var (outcome, stub) = await AddAsync(StubHandler.Answer(HttpStatusCode.TooManyRequests, "Too Many Requests", "text/plain"));

        Assert.Equal(new AddOutcome.Refused(RefusalKind.Temporary, RefusalReason.RateLimited, "HTTP 429 Too Many Requests"), outcome);
        Assert.Equal(1, stub.Calls);
    }

    [Fact]
    public async Task A_connection_reset_after_sending_is_unknown_and_not_retried()
    {
        var (outcome, stub) = await AddAsync(StubHandler.ResetAfterSending());

        Assert.IsType<AddOutcome.Unknown>(outcome);
        Assert.Equal(1, stub.Calls);
    }

    [Fact]
    public async Task A_404_page_means_the_url_is_wrong_and_nothing_ran()
    {
        var (outcome, _) = await AddAsync(StubHandler.Answer(HttpStatusCode.NotFound, "<html>Not Found</html>", "text/html"));

        var refused = Assert.IsType<AddOutcome.Refused>(outcome);
        Assert.Equal((RefusalKind.Temporary, RefusalReason.Misconfigured), (refused.Kind, refused.Reason));
    }

    [Fact]
    public async Task A_connection_refused_before_sending_is_a_temporary_refusal()
    {
        // Nothing listens on a port we hold bound: the body can never go out.
        using var closed = new ClosedPort();
        await using var harness = new ClientHarness(closed.Url("api/v2"));

        var outcome = await harness.Client.AddAsync(harness.Provider, Order, CancellationToken.None);

        var refused = Assert.IsType<AddOutcome.Refused>(outcome);
        Assert.Equal((RefusalKind.Temporary, RefusalReason.Unreachable), (refused.Kind, refused.Reason));
    }

    [Fact]
    public async Task A_dns_failure_is_a_temporary_refusal()
    {
        await using var harness = new ClientHarness(new Uri("http://no-such-host.invalid/api/v2"));

        var outcome = await harness.Client.AddAsync(harness.Provider, Order, CancellationToken.None);

        var refused = Assert.IsType<AddOutcome.Refused>(outcome);
        Assert.Equal(RefusalReason.Unreachable, refused.Reason);
    }
}
