using Npgsql;

namespace Fulfillment.Engine.Database;

/// <summary>Which failures say "the database cannot be reached" rather than "this statement failed".</summary>
public static class DatabaseFailures
{
    /// <summary>
    /// True for a failure anywhere in the chain (Quartz and EF Core wrap Npgsql's) that Npgsql raised
    /// itself (connecting, or reading or writing the socket, failed) or that the server raised to refuse
    /// or cut the session: a connection exception (08), a refused login (28: NOLOGIN, a rotated
    /// password), a shutdown or a start-up in progress (57P01-57P03, as in a restart or failover), or no
    /// connection slot left (53300). A statement the server rejected for itself (a constraint, a deadlock)
    /// is not one: the database answered.
    /// </summary>
    public static bool IsUnreachable(Exception? failure)
    {
        for (var e = failure; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException server:
                    return server.SqlState.StartsWith("08", StringComparison.Ordinal)
                        || server.SqlState.StartsWith("28", StringComparison.Ordinal)
                        || server.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown
                            or PostgresErrorCodes.CannotConnectNow or PostgresErrorCodes.TooManyConnections;
                case NpgsqlException:
                    return true;
            }
        }

        return false;
    }
}
