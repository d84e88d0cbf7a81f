namespace Fulfillment.Simulator;

public sealed class SimulatedRefill
{
    public required long Id { get; init; }

    public required long OrderId { get; init; }

    public required DateTimeOffset StartsAt { get; init; }

    public required DateTimeOffset EndsAt { get; init; }

    public required bool Rejected { get; init; }

    public string StatusAt(DateTimeOffset now) =>
        now < StartsAt ? "Pending" : now < EndsAt ? "In progress" : Rejected ? "Rejected" : "Completed";
}
