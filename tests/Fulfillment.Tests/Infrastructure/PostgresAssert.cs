using Npgsql;

namespace Fulfillment.Tests.Infrastructure;

public static class PostgresAssert
{
    /// <summary>Asserts that the call fails with a PostgreSQL error whose message starts with <c>code:</c>.</summary>
    public static async Task<PostgresException> FailsWithCodeAsync(string code, Func<Task> call)
    {
        var ex = await Assert.ThrowsAsync<PostgresException>(call);
        Assert.StartsWith(code + ": ", ex.MessageText, StringComparison.Ordinal);
        return ex;
    }
}
