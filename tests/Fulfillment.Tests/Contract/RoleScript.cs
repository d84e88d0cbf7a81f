using Fulfillment.Tests.Infrastructure;
using Npgsql;

namespace Fulfillment.Tests.Contract;

/// <summary>The three roles deploy/engine-role.sql makes, with one password for all of them.</summary>
internal sealed record Roles(string Owner, string Engine, string Panel, string Password)
{
    /// <summary>Roles with names of their own, so tests on one server never share them.</summary>
    public static Roles Fresh()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        return new($"fo_{suffix}", $"fe_{suffix}", $"fp_{suffix}", "pw-" + suffix);
    }
}

/// <summary>deploy/engine-role.sql without psql: its body, with the psql variables as transaction-local settings.</summary>
internal static class RoleScript
{
    /// <summary>The connection string <paramref name="admin"/> signed in as <paramref name="role"/>.</summary>
    public static string As(string admin, string role, string password) =>
        new NpgsqlConnectionStringBuilder(admin) { Username = role, Password = password, Pooling = false }.ConnectionString;

    /// <summary>Runs the body in one transaction as <paramref name="admin"/>, as the wrapper does; returns the notices and warnings it raised.</summary>
    public static async Task<IReadOnlyList<PostgresNotice>> RunAsync(string admin, Roles roles, bool adopt = false)
    {
        var notices = new List<PostgresNotice>();
        await using var connection = new NpgsqlConnection(admin);
        connection.Notice += (_, e) => notices.Add(e.Notice);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var settings = new Dictionary<string, string>
        {
            ["db"] = connection.Database,
            ["owner_role"] = roles.Owner,
            ["owner_password"] = roles.Password,
            ["engine_role"] = roles.Engine,
            ["engine_password"] = roles.Password,
            ["panel_role"] = roles.Panel,
            ["panel_password"] = roles.Password,
            ["quartz_prefix"] = "qrtz_",
            ["lock_public"] = "off",
            ["adopt"] = adopt ? "on" : "off",
        };
        foreach (var (name, value) in settings)
        {
            await using var set = new NpgsqlCommand("SELECT set_config($1, $2, true)", connection, transaction);
            set.Parameters.Add(new() { Value = "fulfillment_setup." + name });
            set.Parameters.Add(new() { Value = value });
            await set.ExecuteNonQueryAsync();
        }

        await using var body = new NpgsqlCommand(await File.ReadAllTextAsync(Path.Combine(Repository.Root, "deploy", "engine-role.body.sql")), connection, transaction);
        await body.ExecuteNonQueryAsync();
        await transaction.CommitAsync();
        return notices;
    }

    /// <summary>Drops the database of <paramref name="admin"/>, then <paramref name="roles"/> and any <paramref name="others"/>.</summary>
    public static async Task DropAsync(string admin, Roles roles, params string[] others)
    {
        NpgsqlConnection.ClearAllPools();
        var database = new NpgsqlConnectionStringBuilder(admin).Database!;
        await using var maintenance = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(admin) { Database = "postgres" }.ConnectionString);
        await using (var drop = maintenance.CreateCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)"))
        {
            await drop.ExecuteNonQueryAsync();
        }

        foreach (var role in others.Concat([roles.Panel, roles.Engine, roles.Owner]))
        {
            await using var dropRole = maintenance.CreateCommand($"DROP ROLE IF EXISTS \"{role}\"");
            await dropRole.ExecuteNonQueryAsync();
        }
    }
}
