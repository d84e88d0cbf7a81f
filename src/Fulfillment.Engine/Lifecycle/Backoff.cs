namespace Fulfillment.Engine.Lifecycle;

/// <summary>The one retry spacing of the engine: doubling from a minimum, capped at a maximum.</summary>
public static class Backoff
{
    /// <summary>The wait before try number <paramref name="attempt"/> (1 for the first retry): min, 2×min, 4×min, … at most max.</summary>
    public static TimeSpan After(int attempt, TimeSpan min, TimeSpan max)
    {
        var exponent = Math.Clamp(attempt - 1, 0, 20);
        var delay = TimeSpan.FromTicks(min.Ticks * (1L << exponent));
        return delay > max || delay < TimeSpan.Zero ? max : delay;
    }
}
