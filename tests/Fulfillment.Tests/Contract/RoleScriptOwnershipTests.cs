using Fulfillment.Tests.Infrastructure;
using Fulfillment.Worker.Cli;
using Npgsql;

namespace Fulfillment.Tests.Contract;

/// <summary>
/// deploy/engine-role.sql refuses a panel role that could create objects in schema public (it could add an overload of
/// place_order or deposit that the panel's calls resolve to): one that owns the database, as managed PostgreSQL services
/// often make the application role, and one that holds CREATE on the schema. Each refusal says what is wrong and that
/// -v adopt=on fixes it, and changes nothing; adopt=on hands the database to the owner role or revokes the CREATE, and the
/// next run has nothing left to say.
/// </summary>
public sealed class RoleScriptOwnershipTests(EmptyDatabaseFixture databases) : IClassFixture<EmptyDatabaseFixture>
{
    [Fact]
    public async Task A_panel_role_that_owns_the_database_is_refused_until_adopt_hands_the_database_to_the_owner_role()
    {
        var admin = await databases.CreateAsync();
        var database = new NpgsqlConnectionStringBuilder(admin).Database!;
        var roles = Roles.Fresh();
        await using var god = NpgsqlDataSource.Create(admin);
        var asAdmin = new Panel(god);
        try
        {
            // The application role a managed service made, owner of the database it made.
            await asAdmin.ExecuteAsync($"CREATE ROLE \"{roles.Panel}\" LOGIN PASSWORD '{roles.Password}'");
            await asAdmin.ExecuteAsync($"ALTER DATABASE \"{database}\" OWNER TO \"{roles.Panel}\"");

            var refused = await Assert.ThrowsAsync<PostgresException>(() => RoleScript.RunAsync(admin, roles));
            Assert.Contains($"role {roles.Panel} owns database {database}", refused.MessageText, StringComparison.Ordinal);
            Assert.Contains($"-v adopt=on to hand the database to {roles.Owner}", refused.MessageText, StringComparison.Ordinal);
            Assert.Equal(roles.Panel, await DatabaseOwnerAsync(asAdmin, database));
            Assert.Equal(0L, await asAdmin.ScalarAsync<long>("SELECT count(*) FROM pg_roles WHERE rolname = $1", roles.Owner));

            var adopted = await RoleScript.RunAsync(admin, roles, adopt: true);
            Assert.Contains(adopted, n => n.MessageText == $"database {database} now belongs to {roles.Owner} instead of {roles.Panel}");
            Assert.Equal(roles.Owner, await DatabaseOwnerAsync(asAdmin, database));
            Assert.False(await CanCreateInPublicAsync(asAdmin, roles.Panel));

            await SchemaMigrator.MigrateAsync(RoleScript.As(admin, roles.Owner, roles.Password), "qrtz_");
            AssertClean(await RoleScript.RunAsync(admin, roles));
            await PanelCannotCreateAsync(admin, roles);
        }
        finally
        {
            await RoleScript.DropAsync(admin, roles);
        }
    }

    [Fact]
    public async Task A_panel_role_that_holds_CREATE_on_schema_public_is_refused_until_adopt_revokes_it()
    {
        var admin = await databases.CreateAsync();
        var roles = Roles.Fresh();
        var creators = "fc_" + roles.Owner[3..];
        await using var god = NpgsqlDataSource.Create(admin);
        var asAdmin = new Panel(god);
        try
        {
            await RoleScript.RunAsync(admin, roles);
            await asAdmin.ExecuteAsync($"GRANT CREATE ON SCHEMA public TO \"{roles.Panel}\"");

            var refused = await Assert.ThrowsAsync<PostgresException>(() => RoleScript.RunAsync(admin, roles));
            Assert.Contains($"role {roles.Panel} holds CREATE on schema public", refused.MessageText, StringComparison.Ordinal);
            Assert.Contains("-v adopt=on to revoke it", refused.MessageText, StringComparison.Ordinal);
            Assert.True(await CanCreateInPublicAsync(asAdmin, roles.Panel));

            var adopted = await RoleScript.RunAsync(admin, roles, adopt: true);
            Assert.Contains(adopted, n => n.MessageText == $"revoked CREATE on schema public from {roles.Panel}");
            Assert.False(await CanCreateInPublicAsync(asAdmin, roles.Panel));
            AssertClean(await RoleScript.RunAsync(admin, roles));
            await PanelCannotCreateAsync(admin, roles);

            // Through another role's grant: not the script's to undo, so even adopt=on refuses, naming that role.
            await asAdmin.ExecuteAsync($"CREATE ROLE \"{creators}\" NOLOGIN");
            await asAdmin.ExecuteAsync($"GRANT CREATE ON SCHEMA public TO \"{creators}\"");
            await asAdmin.ExecuteAsync($"GRANT \"{creators}\" TO \"{roles.Panel}\"");
            var inherited = await Assert.ThrowsAsync<PostgresException>(() => RoleScript.RunAsync(admin, roles, adopt: true));
            Assert.Contains($"role {roles.Panel} holds CREATE on schema public through its membership in {creators}", inherited.MessageText,
                StringComparison.Ordinal);
            Assert.Contains($"REVOKE CREATE ON SCHEMA public FROM {creators}", inherited.MessageText, StringComparison.Ordinal);
        }
        finally
        {
            await RoleScript.DropAsync(admin, roles, creators);
        }
    }

    private static Task<string> DatabaseOwnerAsync(Panel admin, string database) =>
        admin.ScalarAsync<string>("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = $1", database);

    private static Task<bool> CanCreateInPublicAsync(Panel admin, string role) =>
        admin.ScalarAsync<bool>("SELECT has_schema_privilege($1, 'public', 'CREATE')", role);

    /// <summary>A run with nothing to fix: no warning, nothing adopted, nothing that asks for adopt=on.</summary>
    private static void AssertClean(IReadOnlyList<PostgresNotice> notices)
    {
        var said = string.Join('\n', notices.Select(n => $"{n.InvariantSeverity}: {n.MessageText}"));
        Assert.DoesNotContain(notices, n => n.InvariantSeverity == "WARNING");
        Assert.DoesNotContain("adopt", said, StringComparison.Ordinal);
        Assert.DoesNotContain("now belongs to", said, StringComparison.Ordinal);
        Assert.DoesNotContain("revoked CREATE", said, StringComparison.Ordinal);
    }

    private static async Task PanelCannotCreateAsync(string admin, Roles roles)
    {
        await using var panelDb = NpgsqlDataSource.Create(RoleScript.As(admin, roles.Panel, roles.Password));
        var ex = await Assert.ThrowsAsync<PostgresException>(() => new Panel(panelDb).ExecuteAsync(
            "CREATE FUNCTION public.deposit(bigint, integer, text) RETURNS bigint LANGUAGE sql AS 'SELECT 1::bigint'"));
        Assert.Contains("permission denied for schema public", ex.MessageText, StringComparison.Ordinal);
    }
}
