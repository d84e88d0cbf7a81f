using Fulfillment.Tests.Infrastructure;
using Fulfillment.Worker.Cli;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Fulfillment.Tests.Contract;

public sealed class MigrationTests(EmptyDatabaseFixture databases) : IClassFixture<EmptyDatabaseFixture>
{
    [Fact]
    public async Task Migrate_creates_every_contract_table_column_and_function_and_rerunning_it_changes_nothing()
    {
        var connectionString = await databases.CreateAsync();

        Assert.Equal(0, await EngineCommandLine.RunAsync(["migrate", $"--ConnectionStrings:Panel={connectionString}"]));
        var afterFirst = await DescribeSchemaAsync(connectionString);
        Assert.Equal(0, await EngineCommandLine.RunAsync(["migrate", $"--ConnectionStrings:Panel={connectionString}"]));

        foreach (var (table, columns) in PanelContract.Columns)
        {
            foreach (var column in columns)
            {
                Assert.Contains(afterFirst, row => row.StartsWith($"{table}.{column} ", StringComparison.Ordinal));
            }
        }

        foreach (var function in PanelContract.WriteApi)
        {
            Assert.Contains(afterFirst, row => row.StartsWith($"function {function}(", StringComparison.Ordinal));
        }

        Assert.Equal(afterFirst, await DescribeSchemaAsync(connectionString));
    }

    [Fact]
    public async Task Indexes_a_dba_built_concurrently_before_the_upgrade_are_kept_by_migrate()
    {
        var connectionString = await databases.CreateAsync();
        var options = new DbContextOptionsBuilder<Fulfillment.Data.PanelDbContext>()
            .UseNpgsql(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString).Options;
        await using (var context = new Fulfillment.Data.PanelDbContext(options))
        {
            var migrations = context.Database.GetMigrations().ToList();
            var before = migrations[migrations.FindIndex(m => m.EndsWith("_ScaleIndexes", StringComparison.Ordinal)) - 1];
            await context.Database.MigrateAsync(before);
        }

        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var build = new NpgsqlCommand("CREATE INDEX CONCURRENTLY ix_ledger_order_id ON ledger (order_id)", connection);
            await build.ExecuteNonQueryAsync();
        }

        Assert.Equal(0, await EngineCommandLine.RunAsync(["migrate", $"--ConnectionStrings:Panel={connectionString}"]));

        var schema = await DescribeSchemaAsync(connectionString);
        Assert.Contains(schema, row => row.StartsWith("index ix_ledger_order_id ", StringComparison.Ordinal));
        Assert.Contains(schema, row => row.StartsWith("index ix_orders_open_status ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Deploy_script_applies_to_an_empty_database_twice_and_yields_the_migrated_schema()
    {
        var script = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "deploy", "schema.sql"));
        var byScript = await databases.CreateAsync();
        var byMigrate = await databases.CreateAsync();

        await ExecuteAsync(byScript, script);
        await ExecuteAsync(byScript, script);
        Assert.Equal(0, await EngineCommandLine.RunAsync(["migrate", $"--ConnectionStrings:Panel={byMigrate}"]));

        Assert.Equal(await DescribeSchemaAsync(byMigrate), await DescribeSchemaAsync(byScript));
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<List<string>> DescribeSchemaAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '')
            FROM information_schema.columns WHERE table_schema = 'public'
            UNION ALL
            SELECT 'function ' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')'
            FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
            UNION ALL
            SELECT 'index ' || indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
            UNION ALL
            SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
            WHERE connamespace = 'public'::regnamespace
            UNION ALL
            SELECT 'trigger ' || tgname FROM pg_trigger WHERE NOT tgisinternal
            UNION ALL
            SELECT 'migration ' || "MigrationId" FROM "__EFMigrationsHistory"
            """, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        rows.Sort(StringComparer.Ordinal);
        return rows;
    }
}
