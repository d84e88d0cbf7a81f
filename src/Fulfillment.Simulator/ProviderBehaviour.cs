using Microsoft.AspNetCore.Http;

namespace Fulfillment.Simulator;

/// <summary>What every protocol endpoint of the simulator does the same way: latency, gateway faults, writing.</summary>
internal static class ProviderBehaviour
{
    private const string HtmlPage =
        "<!DOCTYPE html><html><head><title>Just a moment...</title></head><body><h1>Checking your browser</h1>" +
        "<p>Cloudflare Ray ID: 7d1c2f3e4a5b6c7d</p></body></html>";

    /// <summary>Real time, not the injected clock: latency must be felt by the client's (real) timeout.</summary>
    public static async Task DelayAsync(SimulatorState state, CancellationToken cancellationToken)
    {
        var settings = state.Settings;
        var delay = settings.LatencyMin;
        if (settings.LatencyMax > settings.LatencyMin)
            delay += (settings.LatencyMax - settings.LatencyMin) * state.Random.NextDouble();
        if (state.Random.Chance(settings.SlowRate))
            delay += settings.SlowLatency;
        if (delay > TimeSpan.Zero)
            await Task.Delay(delay, cancellationToken);
    }

    /// <summary>The answer of a fault that <see cref="FaultPicker.HappensBeforeProcessing"/>: a gateway, a throttle, a firewall page.</summary>
    public static Answer FaultAnswer(SimulatorState state, Fault fault) => fault switch
    {
        Fault.ServerError => Answer.Text(
            state.Random.Next(0, 3) switch { 0 => 500, 1 => 502, _ => 503 },
            "<html><body><h1>502 Bad Gateway</h1><hr><center>nginx</center></body></html>",
            "text/html"),
        Fault.TooManyRequests => Answer.Text(429, "Too Many Requests", "text/plain"),
        _ => Answer.Text(200, HtmlPage, "text/html; charset=utf-8"),
    };

    /// <summary>Whether every request is redirected (<see cref="SimulatorSettings.RedirectTo"/>).</summary>
    public static bool Redirects(SimulatorSettings settings) => !string.IsNullOrWhiteSpace(settings.RedirectTo);

    /// <summary>A web server's rewrite: the configured target followed by the request's own query (which, on a GET, carries the key).</summary>
    public static Task RedirectAsync(HttpContext context, SimulatorSettings settings)
    {
        context.Response.StatusCode = settings.RedirectStatus;
        context.Response.Headers.Location = settings.RedirectTo + context.Request.QueryString.Value;
        context.Response.ContentLength = 0;
        return Task.CompletedTask;
    }

    public static async Task WriteAsync(HttpContext context, Answer answer)
    {
        context.Response.StatusCode = answer.Status;
        context.Response.ContentType = answer.ContentType;
        if (answer.Location is { } location)
            context.Response.Headers.Location = location;
        context.Response.ContentLength = answer.Body.Length;
        await context.Response.Body.WriteAsync(answer.Body, context.RequestAborted);
    }
}
