using Fulfillment.Data;
using Fulfillment.Engine.Jobs;
using Fulfillment.Tests.Infrastructure;
using Fulfillment.Worker.Cli;
using Fulfillment.Worker.Hosting;
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
        await using (var context = Context(connectionString))
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
    public async Task Migrate_upgrades_a_database_made_by_the_oldest_migration_to_the_catalog_of_a_fresh_one()
    {
        var fresh = await databases.CreateAsync();
        var upgraded = await databases.CreateAsync();
        Assert.Equal(0, await EngineCommandLine.RunAsync(["migrate", $"--ConnectionStrings:Panel={fresh}"]));
        await using (var context = Context(upgraded))
        {
            await context.Database.MigrateAsync(context.Database.GetMigrations().First());
        }

        Assert.Equal(0, await EngineCommandLine.RunAsync(["migrate", $"--ConnectionStrings:Panel={upgraded}"]));

        Assert.Equal(await DescribeSchemaAsync(fresh), await DescribeSchemaAsync(upgraded));
    }

    [Fact]
    public async Task Migrate_upgrades_a_database_installed_from_the_v1_2_script_to_the_catalog_of_a_fresh_one()
    {
        var fresh = await databases.CreateAsync();
        var upgraded = await databases.CreateAsync();
        Assert.Equal(0, await EngineCommandLine.RunAsync(["migrate", $"--ConnectionStrings:Panel={fresh}"]));
        await ExecuteAsync(upgraded, await File.ReadAllTextAsync(Path.Combine(Repository.Root, "tests", "Fulfillment.Tests", "Contract", "Data", "schema-v1.2.sql")));
        var before = await DescribeSchemaAsync(upgraded);

        Assert.Equal(0, await EngineCommandLine.RunAsync(["migrate", $"--ConnectionStrings:Panel={upgraded}"]));

        Assert.NotEqual(before, await DescribeSchemaAsync(fresh));
        Assert.Equal(await DescribeSchemaAsync(fresh), await DescribeSchemaAsync(upgraded));
    }

    [Fact]
    public async Task Migrate_partitions_an_order_events_table_that_holds_events_by_month_keeping_every_row_id_and_the_identity()
    {
        var connectionString = await databases.CreateAsync();
        await using (var context = Context(connectionString))
        {
            var migrations = context.Database.GetMigrations().ToList();
            await context.Database.MigrateAsync(migrations[migrations.FindIndex(m => m.EndsWith("_PartitionOrderEvents", StringComparison.Ordinal)) - 1]);
        }

        await using var source = NpgsqlDataSource.Create(connectionString);
        var panel = new Panel(source);
        var user = await panel.CreateUserAsync();
        var service = await panel.CreateServiceAsync(await panel.CreateProviderAsync());
        var kept = await panel.ScalarAsync<long>("INSERT INTO orders (user_id, service_id, link, quantity) VALUES ($1, $2, 'https://x.example/a', 100) RETURNING id", user, service);
        var deleted = await panel.ScalarAsync<long>("INSERT INTO orders (user_id, service_id, link, quantity) VALUES ($1, $2, 'https://x.example/b', 100) RETURNING id", user, service);
        // Events of this month, of two months ago and of fourteen months ago (UTC months); ids as they were, the identity ahead of them.
        await panel.ExecuteAsync("""
            INSERT INTO order_events (order_id, at, kind, detail)
            SELECT o, now() - make_interval(months => m), 'placed', jsonb_build_object('months_ago', m)
            FROM unnest(ARRAY[$1, $2]) o, unnest(ARRAY[0, 2, 14]) m
            """, kept, deleted);
        await panel.ExecuteAsync("SELECT setval(pg_get_serial_sequence('order_events', 'id'), 1000)");
        var before = await panel.ScalarAsync<string>("SELECT string_agg(format('%s %s %s %s %s', id, order_id, at, kind, detail), E'\n' ORDER BY id) FROM order_events");

        Assert.Equal(0, await EngineCommandLine.RunAsync(["migrate", $"--ConnectionStrings:Panel={connectionString}"]));

        Assert.Equal("p", await panel.ScalarAsync<string>("SELECT relkind::text FROM pg_class WHERE oid = 'order_events'::regclass"));
        Assert.Equal(before, await panel.ScalarAsync<string>("SELECT string_agg(format('%s %s %s %s %s', id, order_id, at, kind, detail), E'\n' ORDER BY id) FROM order_events"));
        // Each event in the partition of its month; this month and the next two have one; anything else has the default partition.
        Assert.Equal(0L, await panel.ScalarAsync<long>(
            "SELECT count(*) FROM order_events WHERE tableoid::regclass::text <> 'order_events_' || to_char(at AT TIME ZONE 'UTC', 'YYYY_MM')"));
        Assert.Equal(3L, await panel.ScalarAsync<long>("""
            SELECT count(*) FROM generate_series(0, 2) g
            WHERE to_regclass('order_events_' || to_char(date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => g), 'YYYY_MM')) IS NOT NULL
            """));
        Assert.Equal(6L, await panel.ScalarAsync<long>("SELECT count(*) FROM pg_inherits WHERE inhparent = 'order_events'::regclass"));
        Assert.Equal(1001L, await panel.ScalarAsync<long>("INSERT INTO order_events (order_id, kind) VALUES ($1, 'next') RETURNING id", kept));
        Assert.Equal("order_events_default", await panel.ScalarAsync<string>(
            "INSERT INTO order_events (order_id, at, kind) VALUES ($1, now() + interval '5 years', 'later') RETURNING tableoid::regclass::text", kept));
        // The foreign key holds and still takes an order's events with it.
        await panel.ExecuteAsync("DELETE FROM orders WHERE id = $1", deleted);
        Assert.Equal(0L, await panel.ScalarAsync<long>("SELECT count(*) FROM order_events WHERE order_id = $1", deleted));
        await Assert.ThrowsAsync<PostgresException>(() => panel.ExecuteAsync("INSERT INTO order_events (order_id, kind) VALUES (-1, 'orphan')"));
    }

    [Fact]
    public async Task Migrate_applies_again_only_the_sql_file_whose_recorded_version_differs()
    {
        var connectionString = await databases.CreateAsync();
        var file = SqlScripts.All.Single(s => s.Name == "functions/fulfillment_line_count.sql");
        var first = await SchemaMigrator.MigrateAsync(connectionString, "qrtz_");
        Assert.Contains(file.Name, first);
        var expected = await DescribeSchemaAsync(connectionString);
        await ExecuteAsync(connectionString, $"""
            CREATE OR REPLACE FUNCTION fulfillment_line_count(p_text text) RETURNS bigint LANGUAGE sql AS $$ SELECT 0::bigint $$;
            UPDATE {SqlScripts.HistoryTable} SET sha256 = 'an older version' WHERE name = '{file.Name}';
            """);

        Assert.Equal([file.Name], await SchemaMigrator.MigrateAsync(connectionString, "qrtz_"));
        Assert.Empty(await SchemaMigrator.MigrateAsync(connectionString, "qrtz_"));
        Assert.Equal(expected, await DescribeSchemaAsync(connectionString));
    }

    [Fact]
    public async Task The_engine_refuses_to_start_on_sql_files_older_than_its_own()
    {
        var connectionString = await databases.CreateAsync();
        await SchemaMigrator.MigrateAsync(connectionString, "qrtz_");
        await ExecuteAsync(connectionString, $"UPDATE {SqlScripts.HistoryTable} SET sha256 = 'an older version' WHERE name = 'functions/place_order.sql'");
        using var host = EngineHost.CreateBuilder(EngineMode.Service, [$"--ConnectionStrings:Panel={connectionString}"]).Build();

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.Contains("functions/place_order.sql", refused.Message, StringComparison.Ordinal);
        Assert.Contains("fulfillment migrate", refused.Message, StringComparison.Ordinal);
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
        Assert.Empty(await SqlScriptsStaleAsync(byScript));
    }

    private static async Task<IReadOnlyList<string>> SqlScriptsStaleAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        return await SqlScripts.StaleAsync(connection);
    }

    private static Fulfillment.Data.PanelDbContext Context(string connectionString) => new(new DbContextOptionsBuilder<Fulfillment.Data.PanelDbContext>()
        .UseNpgsql(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString).Options);

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
            SELECT 'function ' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ') definer=' || p.prosecdef
                   || ' settings=' || coalesce((SELECT string_agg(x, ',' ORDER BY x) FROM unnest(p.proconfig) x), '')
                   || ' acl=' || coalesce(p.proacl::text, '') || E'\n' || pg_get_functiondef(p.oid)
            FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
            UNION ALL
            SELECT 'view ' || viewname || E'\n' || definition FROM pg_views WHERE schemaname = 'public'
            UNION ALL
            SELECT 'relation ' || c.relname || ' ' || c.relkind::text || ' ' || coalesce(array_to_string(c.reloptions, ','), '')
            FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'v', 'S', 'p')
            UNION ALL
            SELECT 'index ' || indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
            UNION ALL
            SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
            WHERE connamespace = 'public'::regnamespace
            UNION ALL
            SELECT 'trigger ' || pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal
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
