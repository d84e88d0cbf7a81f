namespace Fulfillment.Simulator;

/// <summary>
/// Everything that can be tuned, at start (<c>--Simulator:Name=value</c>) or while running
/// (<see cref="ProviderSimulator.Settings"/>, or POST <c>/_sim/settings</c>). Rates are probabilities 0..1,
/// drawn per request. Read on every request without locks: a change applies to the next request.
/// </summary>
public sealed class SimulatorSettings
{
    public const string Section = "Simulator";

    /// <summary>The key every <c>/api/v2</c> call must carry; also settable with <c>--key</c>.</summary>
    public string ApiKey { get; set; } = "secret";

    /// <summary>Fixes every random draw, so a single-threaded run is reproducible.</summary>
    public int? Seed { get; set; }

    /// <summary>The panel's balance at this provider; each accepted add is charged from it.</summary>
    public decimal Balance { get; set; } = 1_000_000m;

    public string Currency { get; set; } = "USD";

    /// <summary>The services list; empty means <see cref="SimulatedService.DefaultCatalogue"/>.</summary>
    public List<SimulatedService> Services { get; set; } = [];

    // Latency: uniform between min and max, plus a slow tail.
    public TimeSpan LatencyMin { get; set; }

    public TimeSpan LatencyMax { get; set; }

    public double SlowRate { get; set; }

    public TimeSpan SlowLatency { get; set; } = TimeSpan.FromSeconds(2);

    // Faults on any action. FaultRate is spread evenly over the five kinds below, on top of their own rates.
    public double FaultRate { get; set; }

    public double ServerErrorRate { get; set; }

    public double TooManyRequestsRate { get; set; }

    public double HtmlPageRate { get; set; }

    /// <summary>On add the order is accepted first and then the body is lost.</summary>
    public double EmptyBodyRate { get; set; }

    /// <summary>Truncated JSON; on add the order is accepted first.</summary>
    public double MalformedJsonRate { get; set; }

    // Faults on add only, both after the order was accepted.

    /// <summary>Accept, then hold the answer for <see cref="AcceptedResponseDelay"/> (past the client's timeout).</summary>
    public double AddTimeoutAfterAcceptRate { get; set; }

    public TimeSpan AcceptedResponseDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Accept, then reset the connection without answering.</summary>
    public double AddAbortAfterAcceptRate { get; set; }

    /// <summary>Refuse an add whose link has an active order, like real providers do.</summary>
    public bool DuplicateLinkRefusal { get; set; } = true;

    // Answer styles seen in the wild.

    /// <summary>Share of answers that send numbers as strings ("157").</summary>
    public double StringNumbersRate { get; set; }

    /// <summary>Share of status answers using another spelling (inprogress, Cancelled, tasks.status.completed...).</summary>
    public double AltStatusSpellingRate { get; set; }

    /// <summary>How an accepted cancel is written: <c>One</c> (1), <c>True</c> (true) or <c>Success</c> ({"status":"success"}).</summary>
    public CancelAnswerStyle CancelAnswer { get; set; } = CancelAnswerStyle.One;

    // Progress: Pending, In progress, Processing, then Completed, Partial or Canceled. Durations are divided by SpeedFactor.
    public double SpeedFactor { get; set; } = 1.0;

    public TimeSpan PendingDuration { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan InProgressDuration { get; set; } = TimeSpan.FromSeconds(60);

    public TimeSpan ProcessingDuration { get; set; } = TimeSpan.FromSeconds(10);

    public double PartialProbability { get; set; } = 0.05;

    /// <summary>The provider cancels the order itself.</summary>
    public double CanceledProbability { get; set; } = 0.02;

    /// <summary>Completed with negative remains.</summary>
    public double OverDeliveryProbability { get; set; } = 0.05;

    public TimeSpan RefillDuration { get; set; } = TimeSpan.FromSeconds(30);

    public double RefillRejectProbability { get; set; } = 0.1;

    /// <summary>Keep every request in the record (counts per link are always kept).</summary>
    public bool RecordRequests { get; set; } = true;

    public int MaxRecordedRequests { get; set; } = 1_000_000;
}
