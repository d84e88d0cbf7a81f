namespace Fulfillment.Simulator;

public enum SimulatedOrderState
{
    Pending,
    InProgress,
    Processing,
    Completed,
    Partial,
    Canceled,

    // A subscription's own words: watching for posts, stopped for now, past its expiry date.
    Active,
    Paused,
    Expired,
}
