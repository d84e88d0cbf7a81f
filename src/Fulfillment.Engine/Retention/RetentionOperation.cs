using Npgsql;

namespace Fulfillment.Engine.Retention;

/// <summary>
/// One retention step as two pieces of SQL: the rows it concerns (<see cref="Candidates"/>, a
/// <c>FROM … WHERE …</c> over alias <c>t</c>) and what it does to one batch of them (<see cref="Apply"/>).
/// From these the step is run in bounded batches, or counted for a dry run, with the same predicate.
/// </summary>
public abstract class RetentionOperation
{
    /// <summary>The step's name in logs and in <see cref="RetentionReport"/>, e.g. <c>activity_log</c>.</summary>
    public abstract string Name { get; }

    /// <summary>What the step does to a row, for logs: deleted, anonymized, purged, notified, …</summary>
    public abstract string Verb { get; }

    /// <summary><c>FROM &lt;table&gt; t … WHERE …</c>: the rows this step would change now. May use <c>@now</c>, <c>@cutoff</c>, <c>@hold_cutoff</c>.</summary>
    protected abstract string Candidates { get; }

    /// <summary>
    /// One or more CTEs acting on the claimed rows (CTE <c>batch</c>, column <c>id</c>); the last is
    /// named <c>applied</c> and returns one row per changed row.
    /// </summary>
    protected abstract string Apply { get; }

    /// <summary>The row lock a batch takes: deletes and key changes need FOR UPDATE; other updates take the weaker lock.</summary>
    protected virtual string Lock => "FOR UPDATE OF t";

    /// <summary>Users are anonymised in smaller batches: each one drags its activity, tickets and orders along.</summary>
    public virtual bool BatchesUsers => false;

    /// <summary>The instant a row must be older than (<c>@cutoff</c>); steps without a window of their own return <c>context.Now</c>.</summary>
    protected abstract DateTimeOffset Cutoff(RetentionContext context);

    protected virtual void AddParameters(NpgsqlCommand command, RetentionContext context)
    {
    }

    public async Task<long> CountAsync(NpgsqlDataSource db, RetentionContext context, CancellationToken ct)
    {
        await using var command = Command(db, context, $"SELECT count(*) {Candidates}");
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// Claims at most <paramref name="limit"/> candidates with an id above <paramref name="after"/>
    /// (skipping rows another transaction holds) and applies the step to them in one statement,
    /// which is one short transaction. The id keyset means no batch re-reads rows an earlier one removed.
    /// </summary>
    public async Task<BatchOutcome> RunBatchAsync(NpgsqlDataSource db, RetentionContext context, long after, int limit, CancellationToken ct)
    {
        await using var command = Command(db, context, $"""
            WITH batch AS MATERIALIZED (
                SELECT t.id {Candidates} AND t.id > @after
                ORDER BY t.id
                LIMIT @limit
                {Lock} SKIP LOCKED),
            {Apply}
            SELECT (SELECT count(*) FROM batch)::int, (SELECT count(*) FROM applied)::int, (SELECT max(id) FROM batch)
            """);
        command.Parameters.AddWithValue("after", after);
        command.Parameters.AddWithValue("limit", limit);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new BatchOutcome(reader.GetInt32(0), reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetInt64(2));
    }

    private NpgsqlCommand Command(NpgsqlDataSource db, RetentionContext context, string sql)
    {
        var command = db.CreateCommand(sql);

        // A batch is short by design; the generous timeout covers the one scan that finds the end of a large table.
        command.CommandTimeout = 600;
        command.Parameters.AddWithValue("now", context.Now);
        command.Parameters.AddWithValue("cutoff", Cutoff(context));
        command.Parameters.AddWithValue("hold_cutoff", context.HoldCutoff);
        AddParameters(command, context);
        return command;
    }
}

/// <param name="Claimed">Candidates the batch claimed; fewer than the limit means the step is done.</param>
/// <param name="Applied">Rows the step changed.</param>
/// <param name="LastId">The highest id claimed: the next batch starts above it. Null when nothing was claimed.</param>
public readonly record struct BatchOutcome(int Claimed, int Applied, long? LastId);
