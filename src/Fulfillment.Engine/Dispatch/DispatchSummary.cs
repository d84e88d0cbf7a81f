using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Fulfillment.Engine.Dispatch;

/// <summary>
/// The Information line of dispatch: what every batch recorded since the last line came to, at most once per <see cref="Every"/>
/// (each batch's own line is at Debug). Orders picked up on NOTIFY go out in batches of one or two, so a line per batch
/// would be a line per order at a steady load. <see cref="FlushIfDue"/> runs with every DispatchOrders pass, so the last
/// batches of a burst are told within a pass of the minute's end even if no other batch follows; a running engine tells the
/// rest once it has stopped, and <c>run-once</c> at its end.
/// </summary>
public sealed class DispatchSummary(TimeProvider clock, IHostApplicationLifetime lifetime, ILogger<DispatchSummary> logger) : IHostedService
{
    private static readonly TimeSpan Every = TimeSpan.FromMinutes(1);

    private readonly Lock _gate = new();
    private DateTimeOffset _since;
    private Counts _counts;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // After every hosted service has stopped: no batch is recorded after this line.
        lifetime.ApplicationStopped.Register(Flush);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>One batch's outcomes, counted in the next line.</summary>
    public void Add(int sent, int accepted, int refused, int deferred, int rerouted, int review)
    {
        lock (_gate)
        {
            if (_counts.Batches == 0)
            {
                _since = clock.GetUtcNow();
            }

            _counts = new Counts(_counts.Batches + 1, _counts.Sent + sent, _counts.Accepted + accepted, _counts.Refused + refused,
                _counts.Deferred + deferred, _counts.Rerouted + rerouted, _counts.Review + review);
        }

        FlushIfDue();
    }

    /// <summary>Writes the line if a batch was counted at least <see cref="Every"/> ago.</summary>
    public void FlushIfDue() => Flush(force: false);

    /// <summary>Writes the line for whatever was counted, due or not (the end of a one-off run).</summary>
    public void Flush() => Flush(force: true);

    private void Flush(bool force)
    {
        Counts counts;
        DateTimeOffset since;
        lock (_gate)
        {
            if (_counts.Batches == 0 || (!force && clock.GetUtcNow() - _since < Every))
            {
                return;
            }

            (counts, since, _counts) = (_counts, _since, default);
        }

        logger.LogInformation(
            "Dispatched {Sent} order(s) in {Batches} batch(es) since {Since:HH:mm:ss}: {Accepted} accepted, {Finished} refused, {Retry} deferred, " +
            "{Rerouted} on to another route, {Review} to review",
            counts.Sent, counts.Batches, since, counts.Accepted, counts.Refused, counts.Deferred, counts.Rerouted, counts.Review);
    }

    private readonly record struct Counts(int Batches, int Sent, int Accepted, int Refused, int Deferred, int Rerouted, int Review);
}
