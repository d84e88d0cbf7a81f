namespace Fulfillment.Engine.Configuration;

/// <summary><c>Fulfillment:Dispatch</c>: how pending orders are picked up and sent.</summary>
public sealed class DispatchOptions
{
    public const string Section = "Fulfillment:Dispatch";

    /// <summary>Orders claimed per transaction.</summary>
    public int BatchSize { get; set; } = 200;

    /// <summary>add requests in flight at once from this instance (each provider also has its own cap).</summary>
    public int MaxParallelSends { get; set; } = 64;

    /// <summary>First wait after a temporary refusal; it doubles per attempt up to <see cref="RetryBackoffMax"/>.</summary>
    public TimeSpan RetryBackoffMin { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan RetryBackoffMax { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>An order still refused temporarily this long after it was placed fails, with a refund.</summary>
    public TimeSpan GiveUpAfter { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// A route that keeps refusing an order for now (provider down, throttling, an unrecognised error) this long
    /// moves the order to the service's next route (service_routes); at most <see cref="GiveUpAfter"/>.
    /// </summary>
    public TimeSpan FailoverAfter { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The price guard off: a route whose upstream rate (the provider's stored service list) is above the service's
    /// sale rate is used all the same. By default such a route is skipped, since every order sent there sells at a loss.
    /// </summary>
    public bool SellBelowUpstreamRate { get; set; }

    /// <summary>
    /// How long orders of a paused provider (balance below min_balance, or a redirect) or of a route in quarantine wait before they are
    /// looked at again; a quarantine that ends sooner wakes them as it ends.
    /// </summary>
    public TimeSpan PausedRecheck { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Service types whose link may be a bare handle (<c>@name</c>) rather than a URL.</summary>
    public string[] HandleTypes { get; set; } = ["Subscriptions", "Mentions User Followers"];

    /// <summary>
    /// A dispatching order untouched this long is recovered even if its engine still heartbeats
    /// (its answer could not be recorded). Keep it well above the providers' timeout.
    /// </summary>
    public TimeSpan AbandonedAfter { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>React to place_order's NOTIFY within milliseconds; the Quartz schedule stays the safety net.</summary>
    public bool ListenForNewOrders { get; set; } = true;
}
