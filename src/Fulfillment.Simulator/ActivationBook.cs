using System.Collections.Concurrent;

namespace Fulfillment.Simulator;

/// <summary>The simulated SMS provider's activations. Every rent is kept: <see cref="Count"/> is the numbers paid for.</summary>
public sealed class ActivationBook
{
    private readonly ConcurrentDictionary<long, SimulatedActivation> activations = new();
    private long nextId = 100_000;

    /// <summary>Numbers rented so far, whatever became of them.</summary>
    public int Count => activations.Count;

    public SimulatedActivation? Find(long id) => activations.GetValueOrDefault(id);

    /// <summary>Every activation, in the order they were rented.</summary>
    public IReadOnlyList<SimulatedActivation> All() => [.. activations.Values.OrderBy(a => a.Id)];

    internal long NextId() => Interlocked.Increment(ref nextId);

    internal void Add(SimulatedActivation activation) => activations[activation.Id] = activation;
}
