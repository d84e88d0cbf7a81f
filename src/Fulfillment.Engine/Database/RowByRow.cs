using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Fulfillment.Engine.Database;

/// <summary>
/// One bad row fails alone. A batch is written in one transaction; when that fails for a reason that
/// is not transient (a value or a row the database refuses: a constraint, a trigger, an encoding), its
/// rows are written one at a time, so the others go on in the same pass, and a row that still fails
/// is put aside (review, a failed request, a provider's last_error) with the reason. Transient
/// failures (a deadlock victim, a lost connection) are retried whole by <see cref="Transient"/>.
/// </summary>
/// <remarks>
/// Without this, one order whose answer the database refused rolled back the recording of a whole
/// batch, and the next pass claimed and failed on it first again: every order behind it stalled.
/// </remarks>
public static class RowByRow
{
    /// <summary>Writes <paramref name="rows"/>; returns the rows that were put aside.</summary>
    /// <param name="write">Writes some rows in one transaction.</param>
    /// <param name="putAside">Records, in a transaction of its own, that a row could not be written and why.</param>
    public static async Task<IReadOnlyList<T>> WriteAsync<T>(
        IReadOnlyList<T> rows, Func<IReadOnlyList<T>, Task> write, Func<T, string, Task> putAside, Func<T, string> describe,
        ILogger logger, string what)
    {
        if (rows.Count == 0)
        {
            return [];
        }

        try
        {
            await Transient.RetryAsync(() => write(rows), logger, what);
            return [];
        }
        catch (Exception ex) when (IsBadRow(ex) && rows.Count > 1)
        {
            logger.LogWarning("{What}: the batch of {Count} was refused ({Error}); writing its rows one at a time", what, rows.Count, Reason(ex));
        }

        var putAsideRows = new List<T>();
        foreach (var row in rows)
        {
            try
            {
                await Transient.RetryAsync(() => write([row]), logger, what);
            }
            catch (Exception ex) when (IsBadRow(ex))
            {
                putAsideRows.Add(row);
                var reason = Reason(ex);
                logger.LogError("{What}: {Row} could not be written and is put aside: {Error}", what, describe(row), reason);
                try
                {
                    await Transient.RetryAsync(() => putAside(row, reason), logger, what + " (putting aside)");
                }
                catch (Exception again) when (IsBadRow(again))
                {
                    logger.LogError("{What}: {Row} could not even be put aside ({Error}); it stays as it was for a person to see", what, describe(row), Reason(again));
                }
            }
        }

        return putAsideRows;
    }

    /// <summary>
    /// A failure that belongs to the rows written, not to the moment: the server refused a value or a row
    /// (any error that is not transient), or a value could not even be encoded for it.
    /// </summary>
    public static bool IsBadRow(Exception ex) => ex switch
    {
        PostgresException pg => !pg.IsTransient,
        EncoderFallbackException or InvalidCastException or OverflowException or FormatException => true,
        NpgsqlException { InnerException: { } inner } => IsBadRow(inner),
        _ => false,
    };

    /// <summary>The reason in a sentence, for a column a person reads: never more than a line.</summary>
    public static string Reason(Exception ex) =>
        Printable(ex is PostgresException pg ? $"{pg.SqlState}: {pg.MessageText}" : $"{ex.GetType().Name}: {ex.Message}", 300);

    /// <summary>Text safe for any column or jsonb value: no control characters or lone surrogates, at most <paramref name="max"/> characters.</summary>
    public static string Printable(string? text, int max)
    {
        var clean = new string((text ?? "").Select(c => char.IsControl(c) || char.IsSurrogate(c) ? ' ' : c).ToArray());
        return clean.Length <= max ? clean : clean[..max] + "…";
    }
}
