namespace Fulfillment.Simulator;

public enum SimulatedOrderState
{
    Pending,
    InProgress,
    Processing,
    Completed,
    Partial,
    Canceled,
}
