using Microsoft.Extensions.Logging;
using Npgsql;

namespace Fulfillment.Engine.Database;

/// <summary>
/// Retries a whole write transaction on a transient database error (a deadlock victim, a lost
/// connection): the answers it records came from a provider and must not be thrown away.
/// </summary>
public static class Transient
{
    public static async Task RetryAsync(Func<Task> transaction, ILogger logger, string what, int attempts = 5)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await transaction();
                return;
            }
            catch (NpgsqlException ex) when (attempt < attempts && ex.IsTransient)
            {
                logger.LogWarning("{What} failed ({Error}); attempt {Attempt} of {Attempts}, retrying", what, ex.Message, attempt, attempts);
                await Task.Delay(TimeSpan.FromMilliseconds(50 * attempt * attempt));
            }
        }
    }
}
