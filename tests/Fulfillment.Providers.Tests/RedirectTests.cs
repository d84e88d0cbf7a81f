using System.Net;
using Fulfillment.Providers.Smm;
using Fulfillment.Providers.SmsActivate;
using Fulfillment.Providers.Tests.Infrastructure;
using Fulfillment.Simulator;

namespace Fulfillment.Providers.Tests;

/// <summary>
/// A provider URL that redirects: the request carries the key, so the redirect is never followed. The target is a
/// second simulator, which must receive nothing.
/// </summary>
[Trait("Lane", "Fast")]
public sealed class RedirectTests
{
    private static readonly AddOrderRequest Order = new("1", "https://instagram.com/p/redirected", 100);

    private static async Task<(ProviderSimulator Origin, ProviderSimulator Target)> StartAsync(int status)
    {
        var target = await ProviderSimulator.StartAsync(new SimulatorSettings { ApiKey = ClientHarness.Key });
        var origin = await ProviderSimulator.StartAsync(new SimulatorSettings
        {
            ApiKey = ClientHarness.Key,
            RedirectTo = target.ApiUrl.ToString(),
            RedirectStatus = status,
        });
        return (origin, target);
    }

    [Theory]
    [InlineData(301)]
    [InlineData(302)]
    [InlineData(307)]
    [InlineData(308)]
    public async Task A_redirected_add_is_not_followed_and_is_unknown_flagged_as_a_redirect_naming_the_target(int status)
    {
        var (origin, target) = await StartAsync(status);
        await using var _ = origin;
        await using var __ = target;
        await using var harness = new ClientHarness(origin.ApiUrl);

        var outcome = await harness.Client.AddAsync(harness.Provider, Order, CancellationToken.None);

        // Whatever answered with the redirect received the whole order: it may have acted on it.
        var unknown = Assert.IsType<AddOutcome.Unknown>(outcome);
        Assert.True(unknown.Redirected);
        Assert.Contains($"HTTP {status} redirect to {target.ApiUrl}", unknown.Reason, StringComparison.Ordinal);
        Assert.Equal(1, origin.Record.Count("add"));
        Assert.Equal(0L, target.Record.Total);
        Assert.Empty(origin.Orders.CreatedByLink());
    }

    [Fact]
    public async Task A_redirected_safe_call_throws_once_without_retrying_and_names_the_target()
    {
        var (origin, target) = await StartAsync(307);
        await using var _ = origin;
        await using var __ = target;
        await using var harness = new ClientHarness(origin.ApiUrl, settings: new Dictionary<string, string?> { ["Fulfillment:Providers:Defaults:RetryCount"] = "3" });

        var ex = await Assert.ThrowsAsync<ProviderCallException>(() => harness.Client.GetStatusesAsync(harness.Provider, ["1", "2"], CancellationToken.None));
        var balance = await Assert.ThrowsAsync<ProviderCallException>(() => harness.Client.GetBalanceAsync(harness.Provider, CancellationToken.None));

        Assert.Equal((ProviderCallFailure.Redirected, ProviderCallFailure.Redirected), (ex.Failure, balance.Failure));
        Assert.Contains(target.ApiUrl.ToString(), ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, origin.Record.Count("status"));
        Assert.Equal(0L, target.Record.Total);
    }

    [Fact]
    public async Task A_redirect_repeating_the_query_never_shows_the_key_and_the_sms_call_is_not_followed()
    {
        var (origin, target) = await StartAsync(301);
        await using var _ = origin;
        await using var __ = target;
        await using var harness = new ClientHarness(origin.SmsApiUrl);
        var sms = harness.Get<ISmsActivateClient>();

        var rent = await sms.GetNumberAsync(harness.Provider, "tg", "0", CancellationToken.None);
        var ex = await Assert.ThrowsAsync<ProviderCallException>(() => sms.GetBalanceAsync(harness.Provider, CancellationToken.None));

        var refused = Assert.IsType<NumberOutcome.Unknown>(rent);
        Assert.True(refused.Redirected);
        Assert.Contains("api_key=***", ex.Message, StringComparison.Ordinal);
        Assert.Contains(target.ApiUrl.ToString(), ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(ClientHarness.Key, ex.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(ClientHarness.Key, refused.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(ClientHarness.Key, harness.Logs.All, StringComparison.Ordinal);
        Assert.Equal(0L, target.Record.Total);
        Assert.Equal(0, origin.Activations.Count);
    }

    [Fact]
    public async Task A_relative_location_is_reported_as_an_absolute_address()
    {
        var stub = StubHandler.Custom((_, _) =>
        {
            var response = new HttpResponseMessage(HttpStatusCode.Found) { Content = new StringContent("") };
            response.Headers.TryAddWithoutValidation("Location", "/login?next=%2Fapi");
            return Task.FromResult(response);
        });
        await using var harness = ClientHarness.WithStub(stub);

        var outcome = await harness.Client.AddAsync(harness.Provider, Order, CancellationToken.None);

        var unknown = Assert.IsType<AddOutcome.Unknown>(outcome);
        Assert.Contains("redirect to https://provider.example/login?next=%2Fapi", unknown.Reason, StringComparison.Ordinal);
        Assert.Equal(1, stub.Calls);
    }
}
