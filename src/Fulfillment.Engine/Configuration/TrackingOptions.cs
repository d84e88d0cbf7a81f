namespace Fulfillment.Engine.Configuration;

/// <summary><c>Fulfillment:Tracking</c>: how in-progress orders are polled.</summary>
public sealed class TrackingOptions
{
    public const string Section = "Fulfillment:Tracking";

    /// <summary>Orders claimed per pass; they are asked about in calls of at most 100 ids.</summary>
    public int BatchSize { get; set; } = 2000;

    /// <summary>Status calls in flight at once from this instance.</summary>
    public int MaxParallelCalls { get; set; } = 8;

    /// <summary>The first check after dispatch.</summary>
    public TimeSpan FirstCheckAfter { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Checks are spaced by a tenth of the order's age, within these bounds.</summary>
    public TimeSpan MinInterval { get; set; } = TimeSpan.FromSeconds(15);

    public TimeSpan MaxInterval { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>A claimed order is not claimed again for this long, should the engine stop mid-pass.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>An order still in progress this long after dispatch goes to review.</summary>
    public TimeSpan ReviewAfter { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// An order in progress at a provider that has failed every status call this long (counted from
    /// <c>providers.unreachable_since</c>, or from the order's dispatch if later) goes to review.
    /// </summary>
    public TimeSpan UnreachableReviewAfter { get; set; } = TimeSpan.FromDays(2);

    /// <summary>
    /// An order the provider says it does not know ("Incorrect order ID", "Order not found.") in this many status answers in a
    /// row goes to review with those words; until then the words are the order's error and it is asked again.
    /// </summary>
    public int UnknownOrderReviewAfter { get; set; } = 3;

    /// <summary>
    /// A subscription lives for weeks and its posts come when the account posts: its checks are a tenth of its
    /// age apart within these bounds instead of <see cref="MinInterval"/> and <see cref="MaxInterval"/>.
    /// </summary>
    public TimeSpan SubscriptionMinInterval { get; set; } = TimeSpan.FromMinutes(1);

    public TimeSpan SubscriptionMaxInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// A subscription still running this long after dispatch goes to review, instead of <see cref="ReviewAfter"/>
    /// (place_order takes an expiry at most 366 days ahead).
    /// </summary>
    public TimeSpan SubscriptionReviewAfter { get; set; } = TimeSpan.FromDays(400);
}
