using Npgsql;

namespace Fulfillment.Engine.Database;

/// <summary>The PostgreSQL versions the engine's SQL runs on, checked before anything else touches the database.</summary>
public static class ServerVersion
{
    /// <summary>
    /// 12: the claim queries use <c>MATERIALIZED</c> common table expressions (new in 12; older servers
    /// reject the keyword); the ledger checks use trigger transition tables (10). The tests run on 15.
    /// </summary>
    public static readonly Version Minimum = new(12, 0);

    /// <summary>Why the engine cannot run on <paramref name="server"/>, or null when it can.</summary>
    public static string? Refusal(Version server) => server < Minimum
        ? $"PostgreSQL {server.ToString(2)} is not supported: the engine needs PostgreSQL {Minimum.Major} or later " +
          "(its SQL uses MATERIALIZED common table expressions and trigger transition tables). Upgrade the server first."
        : null;

    /// <summary>Connects, and throws with <see cref="Refusal"/> on a server that is too old; returns the server's version.</summary>
    public static async Task<Version> EnsureSupportedAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var version = connection.PostgreSqlVersion;
        return Refusal(version) is { } refusal ? throw new NotSupportedException(refusal) : version;
    }
}
