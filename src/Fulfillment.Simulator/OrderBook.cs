using System.Collections.Concurrent;

namespace Fulfillment.Simulator;

/// <summary>The simulated provider's orders, refills and balance. Lock-free except the balance.</summary>
public sealed class OrderBook
{
    private readonly ConcurrentDictionary<long, SimulatedOrder> orders = new();
    private readonly ConcurrentDictionary<long, SimulatedRefill> refills = new();
    private readonly ConcurrentDictionary<string, SimulatedOrder> latestByLink = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> createdByLink = new(StringComparer.Ordinal);
    private readonly Lock balanceGate = new();
    private long nextOrderId = 10_000;
    private long nextRefillId = 500;

    public int Count => orders.Count;

    /// <summary>How many orders the provider created (accepted) per link: the duplicates that cost money.</summary>
    public IReadOnlyDictionary<string, int> CreatedByLink() => new Dictionary<string, int>(createdByLink, StringComparer.Ordinal);

    public int CreatedCount(string link) => createdByLink.GetValueOrDefault(link);

    public long NextOrderId() => Interlocked.Increment(ref nextOrderId);

    public long NextRefillId() => Interlocked.Increment(ref nextRefillId);

    public SimulatedOrder? Find(long id) => orders.GetValueOrDefault(id);

    /// <summary>Every order the provider created, by id: its own record of what it accepted and how each ends.</summary>
    public IReadOnlyList<SimulatedOrder> All() => [.. orders.Values.OrderBy(o => o.Id)];

    public SimulatedRefill? FindRefill(long id) => refills.GetValueOrDefault(id);

    public void AddRefill(SimulatedRefill refill) => refills[refill.Id] = refill;

    /// <summary>Takes <paramref name="charge"/> from the balance, or refuses when it is short.</summary>
    public bool TryCharge(SimulatorSettings settings, decimal charge)
    {
        lock (balanceGate)
        {
            if (settings.Balance < charge)
                return false;
            settings.Balance -= charge;
            return true;
        }
    }

    public void Refund(SimulatorSettings settings, decimal charge)
    {
        lock (balanceGate)
            settings.Balance += charge;
    }

    /// <summary>
    /// Stores the order. With <paramref name="refuseActiveLink"/>, fails when another order for the same link
    /// is still active at <paramref name="now"/>; a compare-and-swap per link keeps two racing adds from both passing.
    /// </summary>
    public bool TryAdd(SimulatedOrder order, DateTimeOffset now, bool refuseActiveLink)
    {
        if (refuseActiveLink)
        {
            while (true)
            {
                if (latestByLink.TryGetValue(order.Link, out var existing))
                {
                    if (existing.IsActiveAt(now))
                        return false;
                    if (latestByLink.TryUpdate(order.Link, order, existing))
                        break;
                }
                else if (latestByLink.TryAdd(order.Link, order))
                {
                    break;
                }
            }
        }
        else
        {
            latestByLink[order.Link] = order;
        }

        orders[order.Id] = order;
        createdByLink.AddOrUpdate(order.Link, 1, static (_, n) => n + 1);
        return true;
    }
}
