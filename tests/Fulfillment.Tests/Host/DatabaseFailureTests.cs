using Fulfillment.Engine.Database;
using Npgsql;

namespace Fulfillment.Tests.Host;

/// <summary>The decisions behind riding out a database outage, without a database.</summary>
[Trait("Lane", "Fast")]
public sealed class DatabaseFailureTests
{
    [Theory]
    [InlineData(11, 22, false)]
    [InlineData(10, 0, false)]
    [InlineData(12, 0, true)]
    [InlineData(15, 18, true)]
    [InlineData(17, 2, true)]
    public void The_engine_runs_on_PostgreSQL_12_or_later_and_refuses_older_servers_saying_why(int major, int minor, bool supported)
    {
        var refusal = ServerVersion.Refusal(new Version(major, minor));

        Assert.Equal(supported, refusal is null);
        if (!supported)
        {
            Assert.Contains($"PostgreSQL {major}.{minor} is not supported", refusal, StringComparison.Ordinal);
            Assert.Contains("PostgreSQL 12 or later", refusal, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("57P01", true)] // admin_shutdown: a restart cut the session
    [InlineData("57P03", true)] // cannot_connect_now: starting up or shutting down
    [InlineData("08006", true)] // connection_failure
    [InlineData("28000", true)] // the role may not log in (NOLOGIN)
    [InlineData("28P01", true)] // password rejected (a rotated password)
    [InlineData("53300", true)] // too_many_connections
    [InlineData("40P01", false)] // a deadlock: the database answered
    [InlineData("23505", false)] // a unique violation
    [InlineData("P0001", false)] // one of the panel functions' own errors
    public void Lost_contact_is_told_apart_from_a_statement_the_server_refused(string sqlState, bool unreachable)
    {
        var server = new PostgresException("message", "FATAL", "FATAL", sqlState);

        Assert.Equal(unreachable, DatabaseFailures.IsUnreachable(server));
        Assert.Equal(unreachable, DatabaseFailures.IsUnreachable(new InvalidOperationException("wrapped", server)));
    }

    [Fact]
    public void A_socket_failure_inside_Npgsql_is_lost_contact_and_an_ordinary_exception_is_not()
    {
        Assert.True(DatabaseFailures.IsUnreachable(new NpgsqlException("Failed to connect to 127.0.0.1:5432", new System.Net.Sockets.SocketException(111))));
        Assert.False(DatabaseFailures.IsUnreachable(new InvalidOperationException("no database involved")));
        Assert.False(DatabaseFailures.IsUnreachable(null));
    }
}
