using Microsoft.Extensions.Logging;
using Npgsql;

namespace Fulfillment.Engine.Database;

/// <summary>
/// Whether this instance can reach the panel database, shared by everything that talks to it (the
/// heartbeat, the NOTIFY listener, the job runner, the libraries' own retry loops through the log
/// filter), so an outage is logged once when it starts and once when it ends, not once per attempt.
/// </summary>
/// <remarks>
/// A failure that looks like lost contact (<see cref="DatabaseFailures.IsUnreachable"/>) is confirmed
/// before it is called an outage: a fresh connection outside the pool is opened. If that works, the
/// failure was one broken connection (a pooled one the server cut during a quick restart) or a statement
/// that timed out, and it is logged as what it was. Failures during a confirmed outage log nothing above
/// Debug; the first success afterwards ends it.
/// </remarks>
public sealed class DatabaseAvailability(
    NpgsqlDataSource pool,
    string probeConnectionString,
    TimeProvider clock,
    ILogger<DatabaseAvailability> logger)
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(10);
    private readonly Lock _gate = new();
    private DateTimeOffset? _unreachableSince;
    private Task? _probe;
    private int _failuresWhileProbing;

    /// <summary>When the current outage began, or null while the database answers.</summary>
    public DateTimeOffset? UnreachableSince
    {
        get
        {
            lock (_gate)
            {
                return _unreachableSince;
            }
        }
    }

    /// <summary>
    /// Takes a failure from <paramref name="source"/>. True when it is a lost contact, which this class
    /// logs (the caller must not); false for any other failure, which the caller logs as before.
    /// </summary>
    public bool Report(Exception failure, string source)
    {
        if (!DatabaseFailures.IsUnreachable(failure))
        {
            return false;
        }

        // Idle pooled connections are likely cut as well (a restart cuts them all): drop them, the engine's
        // and the ones Quartz's job store keeps in Npgsql's shared pools, so new ones replace them.
        pool.Clear();
        NpgsqlConnection.ClearAllPools();
        lock (_gate)
        {
            if (_unreachableSince is not null)
            {
                logger.LogDebug("{Source} failed while the database is unreachable: {Error}", source, failure.GetBaseException().Message);
                return true;
            }

            _failuresWhileProbing++;
            _probe ??= ConfirmAsync(clock.GetUtcNow(), failure, source);
        }

        return true;
    }

    /// <summary>Something reached the database: ends an outage, if there was one.</summary>
    public void ReportReachable()
    {
        DateTimeOffset since;
        lock (_gate)
        {
            if (_unreachableSince is not { } start)
            {
                return;
            }

            since = start;
            _unreachableSince = null;
        }

        logger.LogInformation("Database is back after {Seconds:0} s", (clock.GetUtcNow() - since).TotalSeconds);
    }

    private async Task ConfirmAsync(DateTimeOffset firstFailureAt, Exception failure, string source)
    {
        await Task.Yield(); // out of the caller's lock and stack
        Exception? probeFailure = null;
        try
        {
            using var timeout = new CancellationTokenSource(ProbeTimeout, clock);
            await using var connection = new NpgsqlConnection(probeConnectionString);
            await connection.OpenAsync(timeout.Token);
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(timeout.Token);
        }
        catch (Exception ex)
        {
            probeFailure = ex;
        }

        int failures;
        lock (_gate)
        {
            failures = _failuresWhileProbing;
            _failuresWhileProbing = 0;
            _probe = null;
            if (probeFailure is OperationCanceledException || DatabaseFailures.IsUnreachable(probeFailure))
            {
                _unreachableSince ??= firstFailureAt;
            }
            else
            {
                probeFailure = null;
            }
        }

        if (probeFailure is not null)
        {
            logger.LogWarning("Database unreachable since {Since:yyyy-MM-dd HH:mm:ss} UTC ({Source}: {Error}); the engine keeps running and resumes by itself when it is back",
                firstFailureAt.UtcDateTime, source, probeFailure.GetBaseException().Message);
        }
        else
        {
            logger.LogWarning(failure, "{Source} failed ({Failures} failure(s) of this kind meanwhile), but the database answers: not an outage; the next attempt goes on a new connection",
                source, failures);
        }
    }
}
