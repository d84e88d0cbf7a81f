namespace Fulfillment.Engine.Lifecycle;

/// <summary>An emulated drip-feed parent due for a look, with its runs so far (in run order).</summary>
/// <param name="Runs">How many runs it was sold with (params.runs).</param>
/// <param name="IntervalMinutes">params.interval: minutes from one run's acceptance to the next run.</param>
/// <param name="ServiceCancel">The service allows cancel: a run in progress can be asked to stop at the provider.</param>
/// <param name="CancelRequestId">The parent's open cancel request (fulfillment_close_parents: a user's cancel, a refund after review), if any.</param>
/// <param name="CancelReason">That request's user-facing reason; null for a user's cancel.</param>
public sealed record DripFeedParent(
    long Id, int Quantity, int Runs, int IntervalMinutes, string UserStatus, bool ServiceCancel, long? CancelRequestId,
    IReadOnlyList<DripFeedRun> RunList, string? CancelReason = null);

/// <summary>One run of a parent as it stands.</summary>
/// <param name="AcceptedAt">When the provider accepted it (dispatched_at).</param>
/// <param name="SentAt">When its first attempt was sent (its add may have left then).</param>
public sealed record DripFeedRun(
    long Id, int Number, string Status, long? Remains, long? StartCount, DateTimeOffset CreatedAt, DateTimeOffset? AcceptedAt,
    DateTimeOffset? SentAt, DateTimeOffset? FinishedAt, string? Error);
