using System.Net;
using Fulfillment.Providers.Smm;
using Fulfillment.Providers.Tests.Infrastructure;

namespace Fulfillment.Providers.Tests;

[Trait("Lane", "Fast")]
public sealed class ServicesAndBalanceTests
{
    [Fact]
    public async Task Services_are_read_with_numbers_and_flags_in_any_form()
    {
        await using var harness = ClientHarness.WithStub(StubHandler.Answer(HttpStatusCode.OK, """
            [{"service":1,"name":"Followers","type":"Default","category":"First Category","rate":"0.90","min":"50","max":"10000","refill":true,"cancel":true,"dripfeed":false},
             {"service":"2","name":"Comments","type":"Custom Comments","category":"Second","rate":8,"min":10,"max":1500,"refill":"0","cancel":"1","dripfeed":1},
             {"name":"no id, skipped"}]
            """));

        var services = await harness.Client.GetServicesAsync(harness.Provider, CancellationToken.None);

        Assert.Equal(
            [
                new ProviderServiceInfo("1", "Followers", "Default", "First Category", 0.90m, 50, 10000, true, true, false),
                new ProviderServiceInfo("2", "Comments", "Custom Comments", "Second", 8m, 10, 1500, false, true, true),
            ],
            services);
    }

    [Theory]
    [InlineData("""{"balance":"100.84292","currency":"USD"}""")]
    [InlineData("""{"balance":100.84292,"currency":"USD"}""")]
    public async Task Balance_is_read_as_a_decimal(string body)
    {
        await using var harness = ClientHarness.WithStub(StubHandler.Answer(HttpStatusCode.OK, body));

        var balance = await harness.Client.GetBalanceAsync(harness.Provider, CancellationToken.None);

        Assert.Equal(new BalanceResult(100.84292m, "USD"), balance);
    }

    [Fact]
    public async Task A_balance_error_throws_with_the_providers_message()
    {
        await using var harness = ClientHarness.WithStub(StubHandler.Answer(HttpStatusCode.OK, """{"error":"Invalid API key"}"""));

        var ex = await Assert.ThrowsAsync<ProviderCallException>(() => harness.Client.GetBalanceAsync(harness.Provider, CancellationToken.None));

        Assert.Equal(ProviderCallFailure.AuthenticationFailed, ex.Failure);
        Assert.Contains("Invalid API key", ex.Message, StringComparison.Ordinal);
    }
}
