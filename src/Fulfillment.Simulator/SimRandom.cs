namespace Fulfillment.Simulator;

/// <summary>One random source for the simulator, seeded when <see cref="SimulatorSettings.Seed"/> is set.</summary>
internal sealed class SimRandom(int? seed)
{
    private readonly Random random = seed is { } s ? new Random(s) : new Random();
    private readonly Lock gate = new();

    public double NextDouble()
    {
        lock (gate)
            return random.NextDouble();
    }

    /// <summary>True with the given probability; no draw (and no lock) when the rate is zero.</summary>
    public bool Chance(double rate) => rate > 0 && (rate >= 1 || NextDouble() < rate);

    public int Next(int minInclusive, int maxExclusive)
    {
        lock (gate)
            return random.Next(minInclusive, maxExclusive);
    }
}
