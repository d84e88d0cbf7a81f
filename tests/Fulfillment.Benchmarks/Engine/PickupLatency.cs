namespace Fulfillment.Benchmarks.Engine;

/// <summary>
/// The pickup latencies of one offered load: for every order placed, from its due time to the provider's receipt of its first add;
/// one the provider had not received within <see cref="EngineBenchmark.PickupWindow"/> counts as the window, and as missed.
/// </summary>
public sealed record PickupLatency(List<double> FromDue, List<double> FromCall, List<double> FromCommit, int Received, int Missed)
{
    /// <summary>The latencies of the orders of <paramref name="load"/>, placed with links tagged <paramref name="tag"/>.</summary>
    public static async Task<PickupLatency> ReadAsync(SimulatorProcess sim, string tag, OfferedLoad load)
    {
        var arrived = new Dictionary<int, DateTimeOffset>();
        foreach (var add in await sim.RequestsAsync("add"))
        {
            if (PanelLoad.ParseLink(add.Field("link")) is var (t, n) && t == tag && !arrived.ContainsKey(n))
            {
                arrived[n] = add.At;
            }
        }

        var window = EngineBenchmark.PickupWindow;
        var fromDue = new List<double>(load.Orders.Length);
        var fromCall = new List<double>(load.Orders.Length);
        var fromCommit = new List<double>(load.Orders.Length);
        var missed = 0;
        for (var n = 0; n < load.Orders.Length; n++)
        {
            var order = load.Orders[n];
            if (arrived.TryGetValue(n, out var at) && at - order.Due <= window)
            {
                fromDue.Add((at - order.Due).TotalMilliseconds);
                fromCall.Add((at - order.Called).TotalMilliseconds);
                fromCommit.Add((at - order.Committed).TotalMilliseconds);
            }
            else
            {
                missed++;
                fromDue.Add(window.TotalMilliseconds);
            }
        }

        return new PickupLatency(fromDue, fromCall, fromCommit, arrived.Count, missed);
    }
}
