using Fulfillment.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;

namespace Fulfillment.Worker.Cli;

/// <summary>
/// Everything `migrate` creates, in one place: the panel schema (EF Core migrations for tables, then the SQL files
/// of <see cref="SqlScripts"/> for functions, views and triggers) and the scheduler's tables. The owner role runs it, so no runtime role ever needs DDL: the engine's
/// scheduler only validates that its tables are there.
/// </summary>
public static class SchemaMigrator
{
    /// <summary>Quartz's own "create what is missing" script for PostgreSQL, shipped inside Quartz.dll.</summary>
    private const string QuartzSchemaResource = "Quartz.Impl.AdoJobStore.Schema.create_postgres.sql";

    /// <summary>How long one migration's statement may run: a day, so in practice never cut short.</summary>
    private const int MigrationTimeoutSeconds = 24 * 60 * 60;

    /// <summary>Applies what is pending; returns the migrations and SQL files applied.</summary>
    public static async Task<IReadOnlyList<string>> MigrateAsync(string connectionString, string quartzPrefix, CancellationToken ct = default)
    {
        // A migration may rewrite a large table (PartitionOrderEvents copies every order event): it runs as long as it takes.
        await using var db = new PanelDbContext(new DbContextOptionsBuilder<PanelDbContext>()
            .UseNpgsql(connectionString, o => o.CommandTimeout(MigrationTimeoutSeconds)).Options);
        var pending = (await db.Database.GetPendingMigrationsAsync(ct)).ToList();
        await db.Database.MigrateAsync(ct);

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        var scripts = await SqlScripts.ApplyAsync(connection, ct);
        await using var command = new NpgsqlCommand(QuartzSchemaSql(quartzPrefix), connection);
        await command.ExecuteNonQueryAsync(ct);
        return [.. pending, .. scripts];
    }

    /// <summary>The script committed as deploy/schema.sql, for DBAs who apply schema by hand (scheduler tables with the default prefix).</summary>
    public static string GenerateIdempotentScript(string quartzPrefix)
    {
        using var db = new PanelDbContext(new DbContextOptionsBuilder<PanelDbContext>()
            .UseNpgsql("Host=localhost;Database=script_only").Options);
        return db.GetService<IMigrator>().GenerateScript(options: MigrationsSqlGenerationOptions.Idempotent)
            + "\n" + SqlScripts.IdempotentScript()
            + $"\n-- The scheduler's tables (Quartz.NET, prefix {quartzPrefix}): created only where missing.\n"
            + QuartzSchemaSql(quartzPrefix) + "\n";
    }

    /// <summary>
    /// Quartz's script with the table prefix in place: '{0}' is the prefix, '{1}' the same without a schema
    /// qualifier (for index and constraint names). Every statement creates only what is missing.
    /// </summary>
    public static string QuartzSchemaSql(string prefix)
    {
        using var stream = typeof(Quartz.IScheduler).Assembly.GetManifestResourceStream(QuartzSchemaResource)
            ?? throw new InvalidOperationException($"Quartz.dll no longer carries {QuartzSchemaResource}; see how this Quartz version provisions its schema.");
        using var reader = new StreamReader(stream);
        var unqualified = prefix.Contains('.', StringComparison.Ordinal) ? prefix[(prefix.LastIndexOf('.') + 1)..] : prefix;
        var statements = reader.ReadToEnd()
            .Replace("{0}", prefix, StringComparison.Ordinal)
            .Replace("{1}", unqualified, StringComparison.Ordinal)
            .Split("\n--;;", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(s => s.Split('\n').Any(line => !line.TrimStart().StartsWith("--", StringComparison.Ordinal) && line.Trim().Length > 0));
        return string.Join(";\n", statements.Select(s => s.TrimEnd(';'))) + ";";
    }
}
