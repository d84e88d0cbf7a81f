using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Fulfillment.Engine.Retention;

/// <summary>
/// Runs the retention steps (<see cref="RetentionSteps.All"/>) once: each in batches of at most
/// <see cref="RetentionOptions.BatchSize"/> rows, one short transaction each, with
/// <see cref="RetentionOptions.BatchPause"/> between them; or, in a dry run, counts what each would change.
/// </summary>
public sealed class RetentionRunner(
    NpgsqlDataSource db,
    IOptions<RetentionOptions> options,
    TimeProvider clock,
    ILogger<RetentionRunner> logger)
{
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(10);

    public async Task<RetentionReport> RunAsync(CancellationToken cancellationToken)
    {
        var context = new RetentionContext(clock.GetUtcNow(), options.Value);
        logger.LogInformation("Retention run {Mode} for {Now:u}: batches of {BatchSize} rows, {BatchPause} apart",
            context.Options.DryRun ? "(dry run, nothing is changed)" : "started", context.Now, context.Options.BatchSize, context.Options.BatchPause);

        var results = new List<RetentionStepResult>();
        var failures = new List<Exception>();
        foreach (var step in RetentionSteps.All)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var result = context.Options.DryRun
                ? await CountAsync(step, context, cancellationToken)
                : await RunStepAsync(step, context, failures, cancellationToken);
            results.Add(result);
        }

        results.Add(await DropEventPartitionsAsync(context, failures, cancellationToken));
        var (pending, held, overdue) = await ErasureBacklogAsync(context, cancellationToken);
        var report = new RetentionReport(context.Now, context.Options.DryRun, results, pending, held, overdue);
        Summarise(report, context);

        // One failing step (a lock timeout, a constraint a careless panel broke) does not stop the
        // others: an erasure must not wait for the activity log. The run still ends as failed.
        if (failures.Count > 0)
        {
            throw new AggregateException("Retention steps failed: " + string.Join(", ", results.Where(r => r.Failed).Select(r => r.Step)), failures);
        }

        return report;
    }

    private async Task<RetentionStepResult> CountAsync(RetentionOperation step, RetentionContext context, CancellationToken ct)
    {
        var started = clock.GetTimestamp();
        var rows = await step.CountAsync(db, context, ct);
        logger.LogInformation("Retention {Step}: would have {Verb} {Rows} rows (dry run)", step.Name, step.Verb, rows);
        return new RetentionStepResult(step.Name, step.Verb, rows, 0, clock.GetElapsedTime(started));
    }

    private async Task<RetentionStepResult> RunStepAsync(RetentionOperation step, RetentionContext context, List<Exception> failures, CancellationToken ct)
    {
        var limit = step.BatchesUsers ? context.Options.UserBatchSize : context.Options.BatchSize;
        var started = clock.GetTimestamp();
        var lastProgress = started;
        var after = long.MinValue;
        long rows = 0;
        var batches = 0;
        try
        {
            while (true)
            {
                var outcome = await step.RunBatchAsync(db, context, after, limit, ct);
                if (outcome.LastId is not { } lastId)
                {
                    break;
                }

                after = lastId;
                rows += outcome.Applied;
                batches++;
                logger.LogDebug("Retention {Step}: batch {Batch} {Verb} {Applied} of {Claimed} rows up to id {LastId}",
                    step.Name, batches, step.Verb, outcome.Applied, outcome.Claimed, lastId);
                if (clock.GetElapsedTime(lastProgress) >= ProgressEvery)
                {
                    lastProgress = clock.GetTimestamp();
                    logger.LogInformation("Retention {Step}: {Rows} rows {Verb} so far in {Batches} batches", step.Name, rows, step.Verb, batches);
                }

                // A short batch means the keyset reached the end: no need to ask again.
                if (outcome.Claimed < limit)
                {
                    break;
                }

                if (context.Options.BatchPause > TimeSpan.Zero)
                {
                    await Task.Delay(context.Options.BatchPause, clock, ct);
                }
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            logger.LogError(ex, "Retention {Step} failed after {Rows} rows in {Batches} batches", step.Name, rows, batches);
            failures.Add(ex);
            return new RetentionStepResult(step.Name, step.Verb, rows, batches, clock.GetElapsedTime(started), Failed: true);
        }

        var elapsed = clock.GetElapsedTime(started);
        logger.LogInformation("Retention {Step}: {Rows} rows {Verb} in {Batches} batches, {Elapsed:0.###} s",
            step.Name, rows, step.Verb, batches, elapsed.TotalSeconds);
        return new RetentionStepResult(step.Name, step.Verb, rows, batches, elapsed);
    }

    private async Task<RetentionStepResult> DropEventPartitionsAsync(RetentionContext context, List<Exception> failures, CancellationToken ct)
    {
        var started = clock.GetTimestamp();
        try
        {
            var dropped = await EventPartitions.DropEmptyAsync(db, context, ct);
            logger.LogInformation("Retention {Step}: {Count} partitions {Verb}{Mode}: {Partitions}", RetentionSteps.EventPartitions, dropped.Count,
                EventPartitions.Verb, context.Options.DryRun ? " (dry run: would have been)" : "", string.Join(", ", dropped));
            return new RetentionStepResult(RetentionSteps.EventPartitions, EventPartitions.Verb, dropped.Count, 0, clock.GetElapsedTime(started));
        }
        catch (NpgsqlException ex)
        {
            // A lock not granted in time (a long transaction on order_events) leaves the partitions to the next run.
            logger.LogError(ex, "Retention {Step} failed", RetentionSteps.EventPartitions);
            failures.Add(ex);
            return new RetentionStepResult(RetentionSteps.EventPartitions, EventPartitions.Verb, 0, 0, clock.GetElapsedTime(started), Failed: true);
        }
    }

    private async Task<(long Pending, long Held, long Overdue)> ErasureBacklogAsync(RetentionContext context, CancellationToken ct)
    {
        await using var command = db.CreateCommand($"""
            SELECT count(*),
                   count(*) FILTER (WHERE NOT ({RetentionSql.NotHeld})),
                   count(*) FILTER (WHERE r.requested_at < @window_cutoff)
            FROM erasure_requests r JOIN users t ON t.id = r.user_id
            WHERE r.completed_at IS NULL
            """);
        command.Parameters.AddWithValue("hold_cutoff", context.HoldCutoff);
        command.Parameters.AddWithValue("window_cutoff", context.Now - context.Options.ErasureWindow);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    private void Summarise(RetentionReport report, RetentionContext context)
    {
        logger.LogInformation("Retention run {Mode}: {Totals}",
            report.DryRun ? "counted (dry run)" : "finished",
            string.Join(", ", report.Steps.Select(s => $"{s.Step} {s.Rows} {s.Verb}{(s.Failed ? " (failed)" : "")}")));
        if (report.HeldErasureRequests > 0)
        {
            logger.LogWarning("{Held} erasure requests wait for the dispute hold of blocked accounts ({DisputeHold})",
                report.HeldErasureRequests, context.Options.DisputeHold);
        }

        if (report.OverdueErasureRequests > 0)
        {
            logger.LogWarning("{Overdue} erasure requests are older than the erasure window ({ErasureWindow}); see erasure_requests with completed_at NULL",
                report.OverdueErasureRequests, context.Options.ErasureWindow);
        }
    }
}
