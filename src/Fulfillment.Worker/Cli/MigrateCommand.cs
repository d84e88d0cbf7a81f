using Fulfillment.Data;
using Fulfillment.Engine.Configuration;
using Fulfillment.Engine.Database;
using Fulfillment.Engine.Jobs;
using Fulfillment.Worker.Configuration;
using Fulfillment.Worker.Hosting;
using Fulfillment.Worker.Jobs;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Fulfillment.Worker.Cli;

/// <summary><c>migrate</c>: applies pending migrations and the scheduler's tables (idempotent), or writes the idempotent script.</summary>
public static class MigrateCommand
{
    public static async Task<int> RunAsync(string[] args, JobCatalog catalog)
    {
        if (args.Length >= 2 && args[0] == "--script")
        {
            await File.WriteAllTextAsync(args[1], SchemaMigrator.GenerateIdempotentScript(new SchedulerOptions().TablePrefix));
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
        var scheduler = new SchedulerOptions();
        builder.Configuration.GetSection(SchedulerOptions.Section).Bind(scheduler);
        var applied = await SchemaMigrator.MigrateAsync(builder.Configuration[ConfigurationCheck.ConnectionStringKey] ?? "", scheduler.TablePrefix);
        await SettingsTable.WriteAsync(host.Services.GetRequiredService<NpgsqlDataSource>(), Fulfillment.Data.Entities.EngineSetting.PanelCurrency,
            host.Services.GetRequiredService<IOptions<PanelOptions>>().Value.PanelCurrency, CancellationToken.None);
        logger.LogInformation("Applied {Count} migration(s) and SQL file(s): {Migrations}; the scheduler's {Prefix}* tables are in place", applied.Count,
            applied.Count == 0 ? "none, the schema was up to date" : string.Join(", ", applied), scheduler.TablePrefix);
        return EngineCommandLine.Ok;
    }
}
