using Fulfillment.Engine.Dispatch;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Fulfillment.Tests.Host;

/// <summary>Dispatch's Information line: once a minute whatever the number of batches, the rest when the engine stops.</summary>
[Trait("Lane", "Fast")]
public sealed class DispatchSummaryTests
{
    [Fact]
    public async Task Batches_are_told_once_a_minute_and_the_rest_when_the_engine_stops()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
        var lines = new Lines();
        var lifetime = new ApplicationLifetime(NullLogger<ApplicationLifetime>.Instance);
        var summary = new DispatchSummary(clock, lifetime, lines);
        await summary.StartAsync(CancellationToken.None);

        for (var i = 0; i < 100; i++)
        {
            summary.Add(sent: 2, accepted: 2, refused: 0, deferred: 0, rerouted: 0, review: 0);
            clock.Advance(TimeSpan.FromMilliseconds(500));
        }

        // 100 batches over 50 s: nothing yet; the pass after the minute tells all of them at once.
        Assert.Empty(lines.Written);
        clock.Advance(TimeSpan.FromSeconds(10));
        summary.FlushIfDue();
        Assert.Equal(["Dispatched 200 order(s) in 100 batch(es) since 12:00:00: 200 accepted, 0 refused, 0 deferred, 0 on to another route, 0 to review"],
            lines.Written);

        summary.Add(sent: 3, accepted: 1, refused: 1, deferred: 0, rerouted: 0, review: 1);
        summary.FlushIfDue();
        Assert.Single(lines.Written);
        lifetime.NotifyStopped();
        Assert.Equal("Dispatched 3 order(s) in 1 batch(es) since 12:01:00: 1 accepted, 1 refused, 0 deferred, 0 on to another route, 1 to review",
            lines.Written[^1]);
    }

    private sealed class Lines : ILogger<DispatchSummary>
    {
        public List<string> Written { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            Assert.Equal(LogLevel.Information, logLevel);
            Written.Add(formatter(state, exception));
        }
    }
}
