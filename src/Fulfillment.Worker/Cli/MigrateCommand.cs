using Fulfillment.Data;
using Fulfillment.Engine.Database;
using Fulfillment.Engine.Jobs;
using Fulfillment.Worker.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;

namespace Fulfillment.Worker.Cli;

/// <summary><c>migrate</c>: applies pending migrations (idempotent), or writes the idempotent script.</summary>
public static class MigrateCommand
{
    public static async Task<int> RunAsync(string[] args, JobCatalog catalog)
    {
        if (args.Length >= 2 && args[0] == "--script")
        {
            await File.WriteAllTextAsync(args[1], GenerateIdempotentScript());
            await Console.Out.WriteLineAsync($"wrote {args[1]}");
            return EngineCommandLine.Ok;
        }

        var builder = EngineHost.CreateBuilder(EngineMode.Tool, args, catalog);
        if (!EngineCommandLine.ReportConfiguration(builder.Configuration, catalog, Console.Error))
        {
            return EngineCommandLine.Usage;
        }

        using var host = builder.Build();
        var logger = host.Services.GetRequiredService<ILogger<PanelDbContext>>();
        await ServerVersion.EnsureSupportedAsync(host.Services.GetRequiredService<NpgsqlDataSource>(), CancellationToken.None);
        await using var db = await host.Services.GetRequiredService<IDbContextFactory<PanelDbContext>>().CreateDbContextAsync();
        var pending = (await db.Database.GetPendingMigrationsAsync()).ToList();
        await db.Database.MigrateAsync();
        logger.LogInformation("Applied {Count} migration(s): {Migrations}", pending.Count, pending.Count == 0 ? "none, the schema was up to date" : string.Join(", ", pending));
        return EngineCommandLine.Ok;
    }

    /// <summary>The script committed as deploy/schema.sql, for DBAs who apply schema by hand.</summary>
    public static string GenerateIdempotentScript()
    {
        using var db = new PanelDbContext(new DbContextOptionsBuilder<PanelDbContext>()
            .UseNpgsql("Host=localhost;Database=script_only").Options);
        return db.GetService<IMigrator>().GenerateScript(options: MigrationsSqlGenerationOptions.Idempotent);
    }
}
