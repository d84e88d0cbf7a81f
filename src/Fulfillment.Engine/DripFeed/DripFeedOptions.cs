namespace Fulfillment.Engine.DripFeed;

/// <summary><c>Fulfillment:DripFeed</c>: drip-feed orders the engine runs itself (services.dripfeed_mode emulated).</summary>
public sealed class DripFeedOptions
{
    public const string Section = "Fulfillment:DripFeed";

    /// <summary>Running drip-feed parents looked at per transaction.</summary>
    public int BatchSize { get; set; } = 200;

    /// <summary>How often a running parent is looked at (its runs aggregated, its end noticed) when no run is due sooner.</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How long one minute of <c>params.interval</c> lasts. A minute; shorter only for rehearsals against the simulator
    /// and the demo, where a drip-feed would otherwise take minutes (check-config warns about any other value).
    /// </summary>
    public TimeSpan IntervalUnit { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>After this many runs in a row were not delivered (failed, or canceled upstream), the parent creates no further run.</summary>
    public int MaxFailedRunsInARow { get; set; } = 3;
}
