using System.Collections.Concurrent;

namespace Fulfillment.Benchmarks.Engine;

/// <summary>Samples the process working set every 50 ms and keeps the highest value seen per phase.</summary>
public sealed class WorkingSetMonitor : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private volatile string _phase = "setup";

    public WorkingSetMonitor() => _loop = Task.Run(LoopAsync);

    public ConcurrentDictionary<string, long> PeakByPhase { get; } = new(StringComparer.Ordinal);

    public string Phase
    {
        get => _phase;
        set
        {
            Sample();
            _phase = value;
            Sample();
        }
    }

    public double PeakMb(params string[] phases) =>
        phases.Select(p => PeakByPhase.GetValueOrDefault(p)).DefaultIfEmpty(0).Max() / (1024.0 * 1024.0);

    private void Sample() => PeakByPhase.AddOrUpdate(_phase, Environment.WorkingSet, (_, old) => Math.Max(old, Environment.WorkingSet));

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                Sample();
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
