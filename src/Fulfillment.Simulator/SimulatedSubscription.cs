using System.Globalization;

namespace Fulfillment.Simulator;

/// <summary>
/// What makes a simulated order a subscription: the account's new posts appear every <see cref="PostEvery"/> after the
/// add, each is served <see cref="Delay"/> after it appears (one child order per post), and the subscription ends when
/// its posts are all served (Completed), at its expiry (Expired), when the provider gives up on the account after
/// <see cref="ProviderCancelsAfter"/> posts, or when it is canceled (Canceled). It may pause once, serving nothing
/// meanwhile. Like every simulated order its state is a pure function of the clock; durations are already divided by
/// the speed factor.
/// </summary>
public sealed class SimulatedSubscription
{
    /// <summary>The delays the protocol offers, in minutes (docs/domain.md).</summary>
    public static readonly IReadOnlySet<int> Delays = new HashSet<int> { 0, 5, 10, 15, 30, 60, 90, 120, 150, 180, 210, 240, 270, 300, 360, 420, 480, 540, 600 };

    /// <summary>The most child order ids an answer lists.</summary>
    public const int MaxListedOrders = 1000;

    /// <summary>New posts to serve; null for an open-ended subscription (served until it expires or is canceled).</summary>
    public required int? Posts { get; init; }

    public required TimeSpan PostEvery { get; init; }

    public required TimeSpan Delay { get; init; }

    public DateTimeOffset? ExpiresAt { get; init; }

    public DateTimeOffset? PausedFrom { get; init; }

    public TimeSpan PauseLength { get; init; }

    /// <summary>The provider cancels the subscription itself once this many posts were served.</summary>
    public int? ProviderCancelsAfter { get; init; }

    /// <summary>When the subscription ends by itself (not counting a cancel request), and how.</summary>
    public (DateTimeOffset At, SimulatedOrderState How)? EndsBySelf(DateTimeOffset createdAt)
    {
        var ends = new List<(DateTimeOffset At, SimulatedOrderState How)>();
        if (Posts is { } posts)
            ends.Add((PostServedAt(createdAt, posts), SimulatedOrderState.Completed));
        if (ProviderCancelsAfter is { } after)
            ends.Add((PostServedAt(createdAt, after), SimulatedOrderState.Canceled));
        if (ExpiresAt is { } expires)
            ends.Add((expires, SimulatedOrderState.Expired));
        return ends.Count == 0 ? null : ends.OrderBy(e => e.At).ThenBy(e => e.How == SimulatedOrderState.Completed ? 0 : 1).First();
    }

    /// <summary>Posts served at <paramref name="at"/>, which the caller bounds by the subscription's end.</summary>
    public int ServedAt(DateTimeOffset createdAt, DateTimeOffset at)
    {
        var serving = Effective(at) - createdAt - Delay;
        if (serving < TimeSpan.Zero)
            return 0;
        var served = serving.Ticks / Math.Max(1, PostEvery.Ticks);
        return (int)Math.Min(served, Posts ?? int.MaxValue);
    }

    public bool IsPausedAt(DateTimeOffset at) => PausedFrom is { } from && at >= from && at < from + PauseLength;

    /// <summary>
    /// The child order ids of the posts served, first ones first, at most <see cref="MaxListedOrders"/>: post k of order
    /// n is 1,000,000,000 + n x 1000 + k, far above the ids of the simulator's own orders.
    /// </summary>
    public static IEnumerable<long> ChildOrders(long orderId, int served) =>
        Enumerable.Range(1, Math.Min(served, MaxListedOrders)).Select(k => 1_000_000_000L + (orderId * MaxListedOrders) + k);

    /// <summary>When post number <paramref name="k"/> is served.</summary>
    private DateTimeOffset PostServedAt(DateTimeOffset createdAt, int k) => Real(createdAt + Delay + (PostEvery * k));

    /// <summary>Serving time: the clock without the pause.</summary>
    private DateTimeOffset Effective(DateTimeOffset at) => PausedFrom is not { } from || at < from ? at
        : at < from + PauseLength ? from
        : at - PauseLength;

    private DateTimeOffset Real(DateTimeOffset effective) => PausedFrom is { } from && effective >= from ? effective + PauseLength : effective;

    /// <summary>An expiry as the protocol writes it (d/m/Y): the subscription expires as that day begins (UTC).</summary>
    public static DateTimeOffset? ParseExpiry(string? text) =>
        DateTime.TryParseExact(text?.Trim(), ["d/M/yyyy", "dd/MM/yyyy"], CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var day)
            ? new DateTimeOffset(day.Date, TimeSpan.Zero)
            : null;
}
