using Fulfillment.Tests.Infrastructure;

namespace Fulfillment.Tests.Contract;

/// <summary>
/// fulfillment_secure_functions() keeps working after it has secured itself: a migration that creates a function
/// and ends with the call gets it pinned and not executable by PUBLIC. (Its first version looked for functions in
/// current_schema(), which inside itself, once pinned, is pg_catalog: later calls secured nothing.)
/// </summary>
public sealed class SecureFunctionsTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task A_function_created_after_the_boundary_is_secured_by_the_call_every_migration_ends_with()
    {
        var panel = new Panel(fixture.DataSource);
        var name = $"fulfillment_probe_{Guid.NewGuid():N}"[..40];
        Assert.Equal("search_path=pg_catalog, public, pg_temp",
            await panel.ScalarAsync<string>("SELECT array_to_string(proconfig, ';') FROM pg_proc WHERE proname = 'fulfillment_secure_functions'"));

        await panel.ExecuteAsync($"CREATE FUNCTION {name}() RETURNS int LANGUAGE sql AS 'SELECT 1'");
        await panel.ExecuteAsync("DO $secure$ BEGIN PERFORM fulfillment_secure_functions(); END $secure$;");

        Assert.Equal("search_path=pg_catalog, public, pg_temp", await panel.ScalarAsync<string>(
            "SELECT coalesce(array_to_string(proconfig, ';'), '') FROM pg_proc WHERE proname = $1", name));
        Assert.False(await panel.ScalarAsync<bool>("SELECT has_function_privilege('public', $1::regproc, 'EXECUTE')", name));
        await panel.ExecuteAsync($"DROP FUNCTION {name}()");
    }
}
