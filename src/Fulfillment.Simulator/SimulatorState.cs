namespace Fulfillment.Simulator;

/// <summary>What the endpoints share: settings, record, orders, activations, the clock and the dice.</summary>
internal sealed class SimulatorState(SimulatorSettings settings, TimeProvider timeProvider)
{
    public SimulatorSettings Settings { get; } = settings;

    public TimeProvider Time { get; } = timeProvider;

    public RequestRecord Record { get; } = new();

    public OrderBook Orders { get; } = new();

    public ActivationBook Activations { get; } = new();

    public SimRandom Random { get; } = new(settings.Seed);

    /// <summary>The upstream's cap on requests served at once (<see cref="SimulatorSettings.MaxConcurrentRequests"/>), or null.</summary>
    public SemaphoreSlim? Gate { get; } = settings.MaxConcurrentRequests > 0 ? new SemaphoreSlim(settings.MaxConcurrentRequests) : null;

    /// <summary>Takes the simulator down for the given time (<c>POST /_sim/outage</c>); set by whoever hosts it.</summary>
    public Action<TimeSpan>? Outage { get; set; }

    public SimulatedService? FindService(string? id)
    {
        if (!int.TryParse(id, out var number))
            return null;
        foreach (var service in Settings.Services)
        {
            if (service.Service == number)
                return service;
        }

        return null;
    }

    /// <summary>The catalogue is replaced whole, never changed in place: a request reading it sees the old list or the new.</summary>
    public void DisableService(int service) => Settings.Services = [.. Settings.Services.Where(s => s.Service != service)];

    public void SetRate(int service, decimal rate) => Settings.Services =
    [
        .. Settings.Services.Select(s => s.Service != service ? s : new SimulatedService
        {
            Service = s.Service, Name = s.Name, Type = s.Type, Category = s.Category, Rate = rate, Min = s.Min, Max = s.Max,
            Refill = s.Refill, Cancel = s.Cancel, Dripfeed = s.Dripfeed,
        }),
    ];
}
