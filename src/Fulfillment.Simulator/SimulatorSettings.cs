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

    /// <summary>The panel software answered as (<see cref="PanelFamily"/>): its path, shapes, words, content type and HTTP status.</summary>
    public PanelFamily Family { get; set; } = PanelFamily.Documented;

    /// <summary>The services list; empty means <see cref="SimulatedService.DefaultCatalogue"/>.</summary>
    public List<SimulatedService> Services { get; set; } = [];

    // Latency: uniform between min and max, plus a slow tail.
    public TimeSpan LatencyMin { get; set; }

    public TimeSpan LatencyMax { get; set; }

    public double SlowRate { get; set; }

    /// <summary>
    /// Requests to <c>/api/v2</c> served at once, like a real upstream's worker pool (0, the default: no cap). Requests
    /// beyond it wait in line, their latency starting when a slot frees. Read at start only.
    /// </summary>
    public int MaxConcurrentRequests { get; set; }

    public TimeSpan SlowLatency { get; set; } = TimeSpan.FromSeconds(2);

    // Faults on any action. FaultRate is spread evenly over the five kinds below, on top of their own rates.
    public double FaultRate { get; set; }

    public double ServerErrorRate { get; set; }

    public double TooManyRequestsRate { get; set; }

    public double HtmlPageRate { get; set; }

    /// <summary>On add (and getNumber) the order is accepted (the number rented) first and then the body is lost.</summary>
    public double EmptyBodyRate { get; set; }

    /// <summary>
    /// Truncated JSON; on add the order is accepted first. On the SMS protocol, whose answers are too short to
    /// truncate into something unreadable, the answer is cut mid-body instead (the connection drops), after processing.
    /// </summary>
    public double MalformedJsonRate { get; set; }

    // Faults on add only, both after the order was accepted.

    /// <summary>Accept, then hold the answer for <see cref="AcceptedResponseDelay"/> (past the client's timeout).</summary>
    public double AddTimeoutAfterAcceptRate { get; set; }

    public TimeSpan AcceptedResponseDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Accept, then reset the connection without answering.</summary>
    public double AddAbortAfterAcceptRate { get; set; }

    // Hostile answers, on both protocols.

    /// <summary>
    /// Share of requests whose answer texts carry control characters: error messages (NUL, an ANSI escape, BEL and
    /// a lone surrogate escape), status words, service types and currency (NUL and BEL, which a client's cleaning
    /// drops), service names and categories; on the SMS protocol, NUL and BEL after the token.
    /// </summary>
    public double ControlCharactersRate { get; set; }

    /// <summary>
    /// Share of accepted adds (and rented numbers) answered with an id a client cannot use later, spoiled as
    /// <see cref="UnusableIdKind"/> says. The order is created (the number rented) all the same.
    /// </summary>
    public double UnusableIdRate { get; set; }

    public UnusableIdKind UnusableIdKind { get; set; } = UnusableIdKind.Comma;

    /// <summary>
    /// When set, every request to either protocol is answered with <see cref="RedirectStatus"/> and a Location of
    /// this URL followed by the request's own query (as a web server's rewrite rule does), before the key is
    /// checked or anything is processed. The request is recorded.
    /// </summary>
    public string? RedirectTo { get; set; }

    public int RedirectStatus { get; set; } = 302;

    /// <summary>Refuse an add whose link has an active order, like real providers do.</summary>
    public bool DuplicateLinkRefusal { get; set; } = true;

    // Answer styles seen in the wild.

    /// <summary>Share of answers that send numbers as strings ("157").</summary>
    public double StringNumbersRate { get; set; }

    /// <summary>Share of status answers using another spelling (inprogress, Cancelled, tasks.status.completed...).</summary>
    public double AltStatusSpellingRate { get; set; }

    /// <summary>
    /// Share of status answers for an order still under way (pending, in progress, processing) that use a word no
    /// status map knows ("In queue", "Awaiting", "Moderation", "tasks.status.queued"), as some panels do.
    /// </summary>
    public double UnknownStatusRate { get; set; }

    /// <summary>How an accepted cancel is written: <c>One</c> (1), <c>True</c> (true) or <c>Success</c> ({"status":"success"}).</summary>
    public CancelAnswerStyle CancelAnswer { get; set; } = CancelAnswerStyle.One;

    // Progress: Pending, In progress, Processing, then Completed, Partial or Canceled. Durations are divided by SpeedFactor.
    public double SpeedFactor { get; set; } = 1.0;

    public TimeSpan PendingDuration { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan InProgressDuration { get; set; } = TimeSpan.FromSeconds(60);

    public TimeSpan ProcessingDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// 0..1: each accepted order's three durations are multiplied by one factor drawn uniformly from
    /// 1 - jitter .. 1 + jitter, so orders placed together end at different times. 0 (the default) draws nothing.
    /// </summary>
    public double DurationJitter { get; set; }

    public double PartialProbability { get; set; } = 0.05;

    /// <summary>The provider cancels the order itself.</summary>
    public double CanceledProbability { get; set; } = 0.02;

    /// <summary>Completed with negative remains.</summary>
    public double OverDeliveryProbability { get; set; } = 0.05;

    // Subscriptions (type Subscriptions): the account posts every SubscriptionPostEvery after the add; each post is
    // served after the add's delay; durations are divided by SpeedFactor, the time to an expiry date too.
    public TimeSpan SubscriptionPostEvery { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Share of subscriptions that pause once, after their first post, for <see cref="SubscriptionPauseLength"/>.</summary>
    public double SubscriptionPauseProbability { get; set; }

    public TimeSpan SubscriptionPauseLength { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Share of subscriptions the provider cancels itself (the account went private) once half their posts were served.</summary>
    public double SubscriptionCanceledProbability { get; set; }

    public TimeSpan RefillDuration { get; set; } = TimeSpan.FromSeconds(30);

    public double RefillRejectProbability { get; set; } = 0.1;

    // SMS activations at /stubs/handler_api.php. They share Balance, Seed, latency and faults with /api/v2.
    // Their durations are divided by SpeedFactor too.

    /// <summary>Charged from <see cref="Balance"/> for each rented number (<c>NO_BALANCE</c> when short); refunded on cancel.</summary>
    public decimal SmsPrice { get; set; } = 0.25m;

    /// <summary>Comma-separated service codes the provider knows; any other is <c>BAD_SERVICE</c>.</summary>
    public string SmsServices { get; set; } = "tg,wa,vk,ig,fb,go,ds,ot";

    /// <summary>Share of getNumber calls answered <c>NO_NUMBERS</c>.</summary>
    public double SmsNoNumbersRate { get; set; }

    /// <summary>How long after renting (or after setStatus 3) the code arrives.</summary>
    public TimeSpan SmsCodeAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Share of activations whose code never arrives.</summary>
    public double SmsNoCodeProbability { get; set; }

    /// <summary>Digits in a code; codes are drawn from the seeded dice (<see cref="Seed"/>).</summary>
    public int SmsCodeLength { get; set; } = 5;

    /// <summary>setStatus 8 answers <c>EARLY_CANCEL_DENIED</c> while the activation is younger than this.</summary>
    public TimeSpan SmsEarlyCancelWindow { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>When the provider ends an activation itself: canceled and refunded without a code, completed with one.</summary>
    public TimeSpan SmsActivationLifetime { get; set; } = TimeSpan.FromMinutes(20);

    /// <summary>On getNumber, rent the number, then reset the connection without answering.</summary>
    public double SmsAbortAfterRentRate { get; set; }

    /// <summary>Keep every request in the record (counts per link are always kept).</summary>
    public bool RecordRequests { get; set; } = true;

    public int MaxRecordedRequests { get; set; } = 1_000_000;
}
