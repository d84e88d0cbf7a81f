using System.Net;
using Fulfillment.Providers.Smm;
using Fulfillment.Providers.SmsActivate;
using Fulfillment.Providers.Tests.Infrastructure;

namespace Fulfillment.Providers.Tests.SmsActivate;

/// <summary>Recorded SMS activation answers, played through the real client and its real wiring.</summary>
[Trait("Lane", "Fast")]
public sealed class SmsAnswerTests
{
    private static readonly Uri HandlerUrl = new("https://sms.example/stubs/handler_api.php");

    private static async Task<T> CallAsync<T>(StubHandler stub, Func<ISmsActivateClient, ProviderEndpoint, Task<T>> call)
    {
        await using var harness = new ClientHarness(HandlerUrl, stub);
        return await call(harness.Get<ISmsActivateClient>(), harness.Provider);
    }

    private static Task<NumberOutcome> RentAsync(StubHandler stub) =>
        CallAsync(stub, (c, p) => c.GetNumberAsync(p, "tg", "0", CancellationToken.None));

    [Theory]
    [InlineData("ACCESS_NUMBER:123456789:79001234567", "123456789", "79001234567")]
    [InlineData("ACCESS_NUMBER:42:447700900123\r\n", "42", "447700900123")]
    [InlineData("\uFEFFaccess_number: 42 : 447700900123 ", "42", "447700900123")]
    public async Task A_rented_number_carries_its_activation_id_and_phone(string body, string id, string phone)
    {
        var outcome = await RentAsync(StubHandler.Answer(HttpStatusCode.OK, body, "text/plain"));

        Assert.Equal(new NumberOutcome.Rented(id, phone), outcome);
    }

    [Theory]
    [InlineData("NO_NUMBERS", RefusalKind.Temporary, SmsRefusal.NoNumbers)]
    [InlineData("NO_BALANCE", RefusalKind.Temporary, SmsRefusal.NoBalance)]
    [InlineData("BAD_SERVICE", RefusalKind.Permanent, SmsRefusal.BadService)]
    [InlineData("BAD_KEY", RefusalKind.Temporary, SmsRefusal.BadKey)]
    [InlineData("BANNED:'2026-01-01 10-00-00'", RefusalKind.Temporary, SmsRefusal.Banned)]
    [InlineData("BAD_ACTION", RefusalKind.Temporary, SmsRefusal.Other)]
    public async Task A_provider_refusal_is_classified(string body, RefusalKind kind, SmsRefusal reason)
    {
        var outcome = await RentAsync(StubHandler.Answer(HttpStatusCode.OK, body, "text/plain"));

        Assert.Equal(new NumberOutcome.Refused(kind, reason, body), outcome);
    }

    [Theory]
    [InlineData(HttpStatusCode.OK, "ERROR_SQL")]
    [InlineData(HttpStatusCode.OK, "")]
    [InlineData(HttpStatusCode.OK, "  \n")]
    [InlineData(HttpStatusCode.OK, "<!DOCTYPE html><html><title>Just a moment...</title></html>")]
    [InlineData(HttpStatusCode.OK, "ACCESS_NUMBER:123")]
    [InlineData(HttpStatusCode.OK, "ACCESS_NUMBER")]
    [InlineData(HttpStatusCode.OK, "ACCESS_NUMBER::79001234567")]
    [InlineData(HttpStatusCode.OK, "SOMETHING_NEW")]
    [InlineData(HttpStatusCode.InternalServerError, "ACCESS_NUMBER:1:79001234567")]
    [InlineData(HttpStatusCode.BadGateway, "<html>502 Bad Gateway</html>")]
    [InlineData(HttpStatusCode.ServiceUnavailable, "")]
    [InlineData(HttpStatusCode.RequestTimeout, "")]
    public async Task An_unreadable_answer_a_5xx_or_a_storage_error_is_unknown_and_not_retried(HttpStatusCode status, string body)
    {
        var stub = StubHandler.Answer(status, body, "text/plain");

        var outcome = await RentAsync(stub);

        Assert.IsType<NumberOutcome.Unknown>(outcome);
        Assert.Equal(1, stub.Calls);
    }

    [Fact]
    public async Task A_connection_reset_after_sending_is_unknown_and_not_retried()
    {
        var stub = StubHandler.ResetAfterSending();

        var outcome = await RentAsync(stub);

        Assert.IsType<NumberOutcome.Unknown>(outcome);
        Assert.Equal(1, stub.Calls);
    }

    [Fact]
    public async Task A_429_is_a_temporary_rate_limit_refusal_and_not_retried()
    {
        var stub = StubHandler.Answer(HttpStatusCode.TooManyRequests, "Too Many Requests", "text/plain");

        var outcome = await RentAsync(stub);

        Assert.Equal(new NumberOutcome.Refused(RefusalKind.Temporary, SmsRefusal.RateLimited, "HTTP 429 Too Many Requests"), outcome);
        Assert.Equal(1, stub.Calls);
    }

    [Fact]
    public async Task A_404_page_means_nothing_ran()
    {
        var outcome = await RentAsync(StubHandler.Answer(HttpStatusCode.NotFound, "<html>Not Found</html>", "text/html"));

        var refused = Assert.IsType<NumberOutcome.Refused>(outcome);
        Assert.Equal((RefusalKind.Temporary, SmsRefusal.Other), (refused.Kind, refused.Reason));
    }

    [Fact]
    public async Task A_connection_refused_before_sending_is_a_temporary_not_sent_refusal()
    {
        using var closed = new ClosedPort();
        await using var harness = new ClientHarness(closed.Url("stubs/handler_api.php"));

        var outcome = await harness.Get<ISmsActivateClient>().GetNumberAsync(harness.Provider, "tg", "0", CancellationToken.None);

        var refused = Assert.IsType<NumberOutcome.Refused>(outcome);
        Assert.Equal((RefusalKind.Temporary, SmsRefusal.NotSent), (refused.Kind, refused.Reason));
    }

    [Theory]
    [InlineData("STATUS_WAIT_CODE", ActivationState.WaitCode, null)]
    [InlineData("STATUS_WAIT_RETRY:12345", ActivationState.WaitRetry, "12345")]
    [InlineData("STATUS_WAIT_RESEND", ActivationState.WaitResend, null)]
    [InlineData("STATUS_OK:54321", ActivationState.Ok, "54321")]
    [InlineData("STATUS_OK: Your code is 54321 \n", ActivationState.Ok, "Your code is 54321")]
    [InlineData("STATUS_CANCEL", ActivationState.Canceled, null)]
    [InlineData("NO_ACTIVATION", ActivationState.NotFound, null)]
    [InlineData("STATUS_OK", ActivationState.Unknown, null)]
    [InlineData("STATUS_SOMETHING_NEW", ActivationState.Unknown, null)]
    public async Task Every_status_answer_maps_to_a_state(string body, ActivationState state, string? code)
    {
        var status = await CallAsync(
            StubHandler.Answer(HttpStatusCode.OK, body, "text/plain"),
            (c, p) => c.GetStatusAsync(p, "123", CancellationToken.None));

        Assert.Equal((state, code, body.Trim()), (status.State, status.Code, status.Raw));
    }

    [Theory]
    [InlineData("BAD_KEY", ProviderCallFailure.AuthenticationFailed)]
    [InlineData("BANNED:2026-12-01 10:00:00", ProviderCallFailure.AuthenticationFailed)]
    [InlineData("ERROR_SQL", ProviderCallFailure.ProviderError)]
    [InlineData("BAD_ACTION", ProviderCallFailure.ProviderError)]
    [InlineData("ACCESS_NUMBER:1:2", ProviderCallFailure.UnreadableAnswer)]
    public async Task A_status_call_without_a_status_throws(string body, ProviderCallFailure failure)
    {
        var ex = await Assert.ThrowsAsync<ProviderCallException>(() => CallAsync(
            StubHandler.Answer(HttpStatusCode.OK, body, "text/plain"),
            (c, p) => c.GetStatusAsync(p, "123", CancellationToken.None)));

        Assert.Equal(failure, ex.Failure);
    }

    [Fact]
    public async Task A_status_call_is_retried_through_transient_failures()
    {
        var stub = StubHandler.Sequence(
            (HttpStatusCode.BadGateway, "<html>502</html>"),
            (HttpStatusCode.OK, ""),
            (HttpStatusCode.OK, "STATUS_OK:777"));

        var status = await CallAsync(stub, (c, p) => c.GetStatusAsync(p, "123", CancellationToken.None));

        Assert.Equal((ActivationState.Ok, "777"), (status.State, status.Code));
        Assert.Equal(3, stub.Calls);
    }

    [Fact]
    public void A_status_prints_without_its_code()
    {
        var status = new ActivationStatus(ActivationState.Ok, "54321", "STATUS_OK:54321");

        Assert.DoesNotContain("54321", status.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ACCESS_READY")]
    [InlineData("ACCESS_RETRY_GET")]
    [InlineData("ACCESS_ACTIVATION")]
    [InlineData("ACCESS_CANCEL")]
    public async Task An_access_answer_to_set_status_is_done(string body)
    {
        var outcome = await CallAsync(
            StubHandler.Answer(HttpStatusCode.OK, body + "\n", "text/plain"),
            (c, p) => c.SetStatusAsync(p, "123", SmsActions.StatusComplete, CancellationToken.None));

        Assert.Equal(new SetStatusOutcome.Done(body), outcome);
    }

    [Fact]
    public async Task An_early_cancel_is_denied()
    {
        var outcome = await CallAsync(
            StubHandler.Answer(HttpStatusCode.OK, "EARLY_CANCEL_DENIED", "text/plain"),
            (c, p) => c.SetStatusAsync(p, "123", SmsActions.StatusCancel, CancellationToken.None));

        Assert.Equal(new SetStatusOutcome.EarlyCancelDenied(), outcome);
    }

    [Theory]
    [InlineData("NO_ACTIVATION")]
    [InlineData("BAD_STATUS")]
    [InlineData("BAD_KEY")]
    [InlineData("BAD_ACTION")]
    public async Task A_set_status_error_is_a_refusal(string body)
    {
        var outcome = await CallAsync(
            StubHandler.Answer(HttpStatusCode.OK, body, "text/plain"),
            (c, p) => c.SetStatusAsync(p, "123", SmsActions.StatusCancel, CancellationToken.None));

        Assert.Equal(new SetStatusOutcome.Refused(body), outcome);
    }

    [Theory]
    [InlineData(HttpStatusCode.OK, "ERROR_SQL")]
    [InlineData(HttpStatusCode.OK, "")]
    [InlineData(HttpStatusCode.OK, "<html>maintenance</html>")]
    [InlineData(HttpStatusCode.InternalServerError, "ACCESS_CANCEL")]
    public async Task An_unreadable_set_status_answer_is_unknown_and_not_retried(HttpStatusCode status, string body)
    {
        var stub = StubHandler.Answer(status, body, "text/plain");

        var outcome = await CallAsync(stub, (c, p) => c.SetStatusAsync(p, "123", SmsActions.StatusCancel, CancellationToken.None));

        Assert.IsType<SetStatusOutcome.Unknown>(outcome);
        Assert.Equal(1, stub.Calls);
    }

    [Theory]
    [InlineData("ACCESS_BALANCE:123.45", "123.45")]
    [InlineData("ACCESS_BALANCE:0", "0")]
    [InlineData("ACCESS_BALANCE: 1000000.5\n", "1000000.5")]
    public async Task A_balance_is_read_as_decimal(string body, string expected)
    {
        var balance = await CallAsync(
            StubHandler.Answer(HttpStatusCode.OK, body, "text/plain"),
            (c, p) => c.GetBalanceAsync(p, CancellationToken.None));

        Assert.Equal(new BalanceResult(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), null), balance);
    }

    [Theory]
    [InlineData("BAD_KEY", ProviderCallFailure.AuthenticationFailed)]
    [InlineData("ACCESS_BALANCE:lots", ProviderCallFailure.UnreadableAnswer)]
    public async Task A_balance_call_without_a_balance_throws(string body, ProviderCallFailure failure)
    {
        var ex = await Assert.ThrowsAsync<ProviderCallException>(() => CallAsync(
            StubHandler.Answer(HttpStatusCode.OK, body, "text/plain"),
            (c, p) => c.GetBalanceAsync(p, CancellationToken.None)));

        Assert.Equal(failure, ex.Failure);
    }
}
