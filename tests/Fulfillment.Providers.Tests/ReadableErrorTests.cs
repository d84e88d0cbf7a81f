using System.Net;
using Fulfillment.Providers.Smm;
using Fulfillment.Providers.Tests.Corpus;
using Fulfillment.Providers.Tests.Infrastructure;

namespace Fulfillment.Providers.Tests;

/// <summary>An HTML or other non-JSON body reaches last_error and an order's error as the text a person would read on it.</summary>
[Trait("Lane", "Fast")]
public sealed class ReadableErrorTests
{
    private static readonly AddOrderRequest Order = new("1", "https://instagram.com/p/abc", 100);

    private static CorpusAnswer Corpus(string @case) => PanelCorpus.All.Single(a => a.Case == @case);

    [Fact]
    public async Task A_frameworks_error_page_is_reduced_to_its_title_and_message()
    {
        var page = Corpus("sent to /api/v2: CodeIgniter's CSRF check refuses the POST");
        await using var harness = ClientHarness.WithStub(CorpusTests.Play(page));

        var outcome = await harness.Client.AddAsync(harness.Provider, Order, CancellationToken.None);
        var ex = await Assert.ThrowsAsync<ProviderCallException>(() => harness.Client.GetBalanceAsync(harness.Provider, CancellationToken.None));

        var refused = Assert.IsType<AddOutcome.Refused>(outcome);
        Assert.Equal("HTTP 403: Error: An Error Was Encountered The action you have requested is not allowed.", refused.Message);
        Assert.EndsWith("HTTP 403: Error: An Error Was Encountered The action you have requested is not allowed.", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("selection", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_php_warning_before_the_answer_is_unknown_and_reads_as_the_warning()
    {
        var warned = Corpus("PHP 8.2 with display_errors on: a warning printed before the answer");
        await using var harness = ClientHarness.WithStub(CorpusTests.Play(warned));

        var outcome = await harness.Client.AddAsync(harness.Provider, Order, CancellationToken.None);

        var unknown = Assert.IsType<AddOutcome.Unknown>(outcome);
        Assert.Contains("HTML page: Warning: Undefined array key \"refill\" in /home/panel/public_html/app/controller/api.php on line 42", unknown.Reason,
            StringComparison.Ordinal);
        Assert.DoesNotContain("<b>", unknown.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>",
        "502 Bad Gateway: nginx")]
    [InlineData("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><style>body{font-family:Arial;margin:0;padding:0;background:#f4f4f4}</style>" +
        "<script>window.dataLayer=window.dataLayer||[];</script></head><body><div class=\"box\"><h2>Maintenance</h2><p>We&rsquo;ll be back in 10 minutes.</p></div></body></html>",
        "Maintenance We\u2019ll be back in 10 minutes.")]
    [InlineData("Service Temporarily Unavailable", "Service Temporarily Unavailable")]
    public async Task A_status_call_that_gets_a_page_says_what_the_page_says(string body, string text)
    {
        await using var harness = ClientHarness.WithStub(StubHandler.Answer(HttpStatusCode.BadGateway, body, "text/html"),
            new Dictionary<string, string?> { ["Fulfillment:Providers:Defaults:RetryCount"] = "0" });

        var ex = await Assert.ThrowsAsync<ProviderCallException>(() => harness.Client.GetStatusAsync(harness.Provider, "5", CancellationToken.None));

        Assert.EndsWith($"HTTP 502: {text}", ex.Message, StringComparison.Ordinal);
    }
}
