namespace Fulfillment.Engine.Lifecycle;

/// <summary>An emulated drip-feed parent due for a look, with its runs so far (in run order).</summary>
/// <param name="Runs">How many runs it was sold with (params.runs).</param>
/// <param name="IntervalMinutes">params.interval: minutes from one run's acceptance to the next run.</param>
/// <param name="ServiceCancel">The service allows cancel: a run in progress can be asked to stop at the provider.</param>
/// <param name="CancelRequestId">The parent's open cancel request (the user asked to stop), if any.</param>
public sealed record DripFeedParent(
    long Id, int Quantity, int Runs, int IntervalMinutes, string UserStatus, bool ServiceCancel, long? CancelRequestId,
    IReadOnlyList<DripFeedRun> RunList);

/// <summary>One run of a parent as it stands.</summary>
/// <param name="AcceptedAt">When the provider accepted it (dispatched_at).</param>
/// <param name="SentAt">When it was marked sending (its add may have left then).</param>
/// <param name="LockedHere">A pending or held run this pass holds: it can be canceled without racing its dispatch.</param>
/// <param name="CancelAsked">A cancel request exists for it.</param>
public sealed record DripFeedRun(
    long Id, int Number, string Status, long? Remains, long? StartCount, DateTimeOffset CreatedAt, DateTimeOffset? AcceptedAt,
    DateTimeOffset? SentAt, DateTimeOffset? FinishedAt, string? Error, bool LockedHere = false, bool CancelAsked = false);
