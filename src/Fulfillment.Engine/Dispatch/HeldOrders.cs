using System.Collections.Concurrent;

namespace Fulfillment.Engine.Dispatch;

/// <summary>The orders this instance holds in <c>dispatching</c>: claimed, being sent, or waiting to be recorded. Their lease is renewed.</summary>
public sealed class HeldOrders
{
    private readonly ConcurrentDictionary<long, byte> _held = new();

    public void Hold(IEnumerable<long> orderIds)
    {
        foreach (var id in orderIds)
        {
            _held[id] = 0;
        }
    }

    public void Forget(IEnumerable<long> orderIds)
    {
        foreach (var id in orderIds)
        {
            _held.TryRemove(id, out _);
        }
    }

    public long[] Snapshot() => [.. _held.Keys];
}
