namespace Fulfillment.Simulator;

/// <summary>The usual spelling of each state, and the other spellings real providers use.</summary>
internal static class StatusSpelling
{
    public static string Usual(SimulatedOrderState state) => state switch
    {
        SimulatedOrderState.Pending => "Pending",
        SimulatedOrderState.InProgress => "In progress",
        SimulatedOrderState.Processing => "Processing",
        SimulatedOrderState.Completed => "Completed",
        SimulatedOrderState.Partial => "Partial",
        SimulatedOrderState.Active => "Active",
        SimulatedOrderState.Paused => "Paused",
        SimulatedOrderState.Expired => "Expired",
        _ => "Canceled",
    };

    /// <summary>A word for an order under way that no status map knows.</summary>
    public static string Unknown(SimRandom random)
    {
        string[] choices = ["In queue", "Awaiting", "Moderation", "tasks.status.queued"];
        return choices[random.Next(0, choices.Length)];
    }

    public static string Other(SimulatedOrderState state, SimRandom random)
    {
        string[] choices = state switch
        {
            SimulatedOrderState.Pending => ["pending", "PENDING", "tasks.status.pending"],
            SimulatedOrderState.InProgress => ["inprogress", "In Progress", "in_progress"],
            SimulatedOrderState.Processing => ["processing", "PROCESSING"],
            SimulatedOrderState.Completed => ["completed", "tasks.status.completed", "COMPLETED"],
            SimulatedOrderState.Partial => ["partial", "tasks.status.partial"],
            SimulatedOrderState.Active => ["active", "ACTIVE"],
            SimulatedOrderState.Paused => ["paused", "PAUSED"],
            SimulatedOrderState.Expired => ["expired", "EXPIRED"],
            _ => ["Cancelled", "canceled", "tasks.status.canceled"],
        };
        return choices[random.Next(0, choices.Length)];
    }
}
