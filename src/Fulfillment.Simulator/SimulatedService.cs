namespace Fulfillment.Simulator;

/// <summary>One entry of the simulated provider's catalogue. <see cref="Rate"/> is per 1000 (per order for Package).</summary>
public sealed class SimulatedService
{
    public int Service { get; set; }

    public string Name { get; set; } = "";

    public string Type { get; set; } = "Default";

    public string Category { get; set; } = "";

    public decimal Rate { get; set; }

    public int Min { get; set; } = 1;

    public int Max { get; set; } = 10_000;

    public bool Refill { get; set; }

    public bool Cancel { get; set; }

    public bool Dripfeed { get; set; }

    public static List<SimulatedService> DefaultCatalogue() =>
    [
        new() { Service = 1, Name = "Instagram Followers", Type = "Default", Category = "Instagram", Rate = 0.90m, Min = 50, Max = 10_000, Refill = true, Cancel = true, Dripfeed = true },
        new() { Service = 2, Name = "Instagram Likes", Type = "Default", Category = "Instagram", Rate = 0.25m, Min = 10, Max = 50_000, Cancel = true, Dripfeed = true },
        new() { Service = 3, Name = "YouTube Views", Type = "Default", Category = "YouTube", Rate = 0.01m, Min = 100, Max = 1_000_000, Refill = true },
        new() { Service = 4, Name = "Profile Starter Package", Type = "Package", Category = "Instagram", Rate = 5.00m, Min = 1, Max = 1 },
        new() { Service = 5, Name = "Instagram Custom Comments", Type = "Custom Comments", Category = "Instagram", Rate = 12.00m, Min = 5, Max = 1_000 },
        new() { Service = 6, Name = "Instagram Mentions Custom List", Type = "Mentions Custom List", Category = "Instagram", Rate = 8.00m, Min = 10, Max = 1_000 },
        new() { Service = 7, Name = "Telegram Poll Votes", Type = "Poll", Category = "Telegram", Rate = 1.50m, Min = 100, Max = 100_000, Cancel = true },
        new() { Service = 8, Name = "Instagram Auto Likes", Type = "Subscriptions", Category = "Instagram", Rate = 0.30m, Min = 50, Max = 5_000, Cancel = true },
    ];
}
