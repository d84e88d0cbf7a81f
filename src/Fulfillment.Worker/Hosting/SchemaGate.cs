using Fulfillment.Data;
using Fulfillment.Data.Entities;
using Fulfillment.Engine.Configuration;
using Fulfillment.Engine.Database;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Fulfillment.Worker.Hosting;

/// <summary>
/// Refuses to start the engine on a PostgreSQL it cannot run on, or on a database whose schema is
/// behind this version, with what fixes it, instead of failing later on a missing column. While the
/// database cannot be reached it waits (logging that once), so an engine restarted during an outage
/// (by the systemd watchdog, or a container platform) starts when the database is back instead of
/// exhausting its restarts; a stop (SIGTERM) ends the wait.
/// </summary>
public sealed class SchemaGate(
    IDbContextFactory<PanelDbContext> contexts,
    NpgsqlDataSource db,
    DatabaseAvailability availability,
    IOptions<PanelOptions> panel,
    TimeProvider clock,
    ILogger<SchemaGate> logger) : IHostedService
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(15);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var retry = FirstRetry;
        while (true)
        {
            try
            {
                await CheckAsync(cancellationToken);
                availability.ReportReachable();
                return;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && availability.Report(ex, "The start-up check"))
            {
                await Task.Delay(retry, clock, cancellationToken);
                retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, MaxRetry.Ticks));
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task CheckAsync(CancellationToken cancellationToken)
    {
        var version = await ServerVersion.EnsureSupportedAsync(db, cancellationToken);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        var pending = (await context.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        if (pending.Count > 0)
        {
            throw new InvalidOperationException(
                $"The panel database schema is not up to date: {pending.Count} migration(s) pending ({string.Join(", ", pending)}). " +
                "Run `fulfillment migrate` first.");
        }

        // A database a newer version migrated holds that version's SQL files: this one runs on it as on any schema ahead of it.
        var known = context.Database.GetMigrations().ToHashSet(StringComparer.Ordinal);
        var ahead = (await context.Database.GetAppliedMigrationsAsync(cancellationToken)).Any(m => !known.Contains(m));
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var stale = ahead ? [] : await SqlScripts.StaleAsync(connection, ct: cancellationToken);
        if (stale.Count > 0)
        {
            throw new InvalidOperationException(
                $"The panel database's functions are not this version's: {stale.Count} SQL file(s) not applied ({string.Join(", ", stale.Take(5))}" +
                (stale.Count > 5 ? ", ..." : "") + "). Run `fulfillment migrate` first.");
        }

        // What SQL converts to (order_margins): this engine's panel currency.
        await SettingsTable.WriteAsync(db, EngineSetting.PanelCurrency, panel.Value.PanelCurrency, cancellationToken);
        logger.LogInformation("Panel database schema is up to date (PostgreSQL {Version})", version.ToString(2));
    }
}
