using System.Diagnostics;
using Fulfillment.Providers.Resilience;
using Microsoft.Extensions.Logging;
using Polly.CircuitBreaker;
using Polly.RateLimiting;
using Polly.Timeout;

namespace Fulfillment.Providers.Transport;

/// <summary>
/// Sends one request to a provider through its pipelines and says what happened, without reading the
/// protocol: a form POST (SMM v2: <c>key</c> and <c>action</c> in the form) or a GET with a query string
/// (SMS activations: <c>api_key</c> and <c>action</c> in the query). Logs provider, action, elapsed time and
/// outcome — never the form, the URL or its query, which carry the key.
/// </summary>
public sealed class ProviderTransport(
    IHttpClientFactory httpClients,
    ProviderPipelineRegistry registry,
    ProviderClock clock,
    ILogger<ProviderTransport> logger,
    ProviderMetrics? metrics = null)
{
    public const string HttpClientName = "Fulfillment.Providers";

    /// <param name="repeatable">
    /// True only for calls that are safe to repeat (they read state). Only those get the retry strategy;
    /// the others run exactly once.
    /// </param>
    /// <exception cref="OperationCanceledException">
    /// The caller cancelled, and either the call is repeatable or nothing was sent. A non-repeatable call
    /// cancelled after its body went out returns <see cref="ExchangeResult.Lost"/> instead, because the
    /// provider may have acted on it and the caller must know.
    /// </exception>
    public Task<ExchangeResult> PostFormAsync(
        ProviderEndpoint provider,
        string action,
        IReadOnlyList<KeyValuePair<string, string>> form,
        bool repeatable,
        CancellationToken cancellationToken) =>
        ExchangeAsync(provider, action, HttpMethod.Post, provider.ApiUrl, () => FormBody.Create(form), repeatable, cancellationToken);

    /// <summary>
    /// A GET to the provider's URL with <paramref name="query"/> appended to whatever query it already has.
    /// Same guarantees as <see cref="PostFormAsync"/>: see <see cref="FormBody.EmptyTracked"/> for how
    /// "never sent" is proven without a body.
    /// </summary>
    /// <inheritdoc cref="PostFormAsync" path="/param[@name='repeatable']"/>
    /// <inheritdoc cref="PostFormAsync" path="/exception"/>
    public Task<ExchangeResult> GetAsync(
        ProviderEndpoint provider,
        string action,
        IReadOnlyList<KeyValuePair<string, string>> query,
        bool repeatable,
        CancellationToken cancellationToken) =>
        ExchangeAsync(provider, action, HttpMethod.Get, FormBody.AppendQuery(provider.ApiUrl, query), FormBody.EmptyTracked, repeatable, cancellationToken);

    private async Task<ExchangeResult> ExchangeAsync(
        ProviderEndpoint provider,
        string action,
        HttpMethod method,
        Uri url,
        Func<SendTrackingContent> body,
        bool repeatable,
        CancellationToken cancellationToken)
    {
        var pipelines = registry.For(provider);
        var sent = new SentFlag();
        var started = clock.Time.GetTimestamp();
        ExchangeResult result;
        try
        {
            var answer = repeatable
                ? await pipelines.Retry.ExecuteAsync(
                    async ct => await pipelines.Guarded.ExecuteAsync(c => SendAsync(method, url, body, sent, c), ct),
                    cancellationToken)
                : await pipelines.Guarded.ExecuteAsync(ct => SendAsync(method, url, body, sent, ct), cancellationToken);
            result = answer.IsRedirect
                ? new ExchangeResult.Redirected(answer.StatusCode, RedirectTarget(url, answer.Location, provider), Elapsed(started))
                : new ExchangeResult.Answered(answer.StatusCode, answer.Body, Elapsed(started));
        }
        catch (BrokenCircuitException)
        {
            result = new ExchangeResult.NotSent(NotSentCause.CircuitOpen, "circuit open", Elapsed(started));
        }
        catch (RateLimiterRejectedException)
        {
            result = new ExchangeResult.NotSent(NotSentCause.LocallyThrottled, "local concurrency or rate limit", Elapsed(started));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            if (repeatable || !sent.Value)
                throw;
            result = new ExchangeResult.Lost("cancelled by the caller after the request was sent", Elapsed(started));
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutRejectedException or IOException or OperationCanceledException)
        {
            // Handler messages name host and port, not the query; redacting the key anyway costs nothing.
            var reason = ProviderText.Clean(Redact(Describe(ex), provider), ProviderText.MessageLength)!;
            result = sent.Value
                ? new ExchangeResult.Lost(reason, Elapsed(started))
                : new ExchangeResult.NotSent(NotSentCause.Unreachable, reason, Elapsed(started));
        }

        Log(provider, action, result);
        metrics?.CallEnded(provider, action, result);
        return result;
    }

    private async ValueTask<RawAnswer> SendAsync(
        HttpMethod method, Uri url, Func<SendTrackingContent> createBody, SentFlag sent, CancellationToken ct)
    {
        using var content = createBody();
        try
        {
            using var request = new HttpRequestMessage(method, url) { Content = content };
            using var client = httpClients.CreateClient(HttpClientName);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
            // Invalid UTF-8 is decoded to U+FFFD here: no invalid byte sequence reaches the readers.
            var body = await response.Content.ReadAsStringAsync(ct);
            var location = response.Headers.TryGetValues("Location", out var values) ? values.FirstOrDefault() : null;
            return new RawAnswer((int)response.StatusCode, body, location);
        }
        finally
        {
            if (content.Started)
                sent.Value = true;
        }
    }

    private static string Describe(Exception ex) => ex switch
    {
        TimeoutRejectedException t => $"timeout after {t.Timeout.TotalSeconds:0.###} s",
        HttpRequestException h => $"{h.HttpRequestError}: {h.Message}",
        _ => $"{ex.GetType().Name}: {ex.Message}",
    };

    private static string Redact(string text, ProviderEndpoint provider)
    {
        if (provider.ApiKey.Length == 0)
            return text;
        return text
            .Replace(provider.ApiKey, "***", StringComparison.Ordinal)
            .Replace(Uri.EscapeDataString(provider.ApiKey), "***", StringComparison.Ordinal)
            .Replace(System.Net.WebUtility.UrlEncode(provider.ApiKey), "***", StringComparison.Ordinal);
    }

    /// <summary>
    /// Where a redirect points, for an operator: absolute, with the key redacted (a redirect of a GET often
    /// repeats the query, which carries it), cleaned and cut like any provider text.
    /// </summary>
    private static string RedirectTarget(Uri requested, string? location, ProviderEndpoint provider)
    {
        if (string.IsNullOrWhiteSpace(location))
            return "(no Location header)";
        var target = Uri.TryCreate(requested, location.Trim(), out var absolute) ? absolute.AbsoluteUri : location;
        return ProviderText.Clean(Redact(target, provider), 300)!;
    }

    private TimeSpan Elapsed(long started) => clock.Time.GetElapsedTime(started);

    private void Log(ProviderEndpoint provider, string action, ExchangeResult result)
    {
        var ms = (long)result.Elapsed.TotalMilliseconds;
        switch (result)
        {
            case ExchangeResult.Answered { StatusCode: >= 200 and < 300 } a:
                logger.LogDebug("Provider {Provider} {Action} answered HTTP {Status} in {ElapsedMs} ms", provider.Name, action, a.StatusCode, ms);
                break;
            case ExchangeResult.Answered a:
                logger.LogDebug("Provider {Provider} {Action} answered HTTP {Status} in {ElapsedMs} ms", provider.Name, action, a.StatusCode, ms);
                break;
            case ExchangeResult.NotSent n:
                logger.LogDebug("Provider {Provider} {Action} not sent ({Cause}: {Reason}) after {ElapsedMs} ms", provider.Name, action, n.Cause, n.Reason, ms);
                break;
            case ExchangeResult.Lost l:
                logger.LogDebug("Provider {Provider} {Action} answer lost ({Reason}) after {ElapsedMs} ms", provider.Name, action, l.Reason, ms);
                break;
            case ExchangeResult.Redirected r:
                logger.LogDebug("Provider {Provider} {Action} answered HTTP {Status}, a redirect to {Target}, not followed, in {ElapsedMs} ms",
                    provider.Name, action, r.StatusCode, r.Target, ms);
                break;
            default:
                throw new UnreachableException();
        }
    }

    /// <summary>Set once any attempt started writing its body; read after the pipeline gave up.</summary>
    private sealed class SentFlag
    {
        private volatile bool value;

        public bool Value { get => value; set => this.value = value; }
    }
}
