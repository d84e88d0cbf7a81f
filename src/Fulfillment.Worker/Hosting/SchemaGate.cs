using Fulfillment.Data;
using Microsoft.EntityFrameworkCore;

namespace Fulfillment.Worker.Hosting;

/// <summary>
/// Refuses to start the engine on a database whose schema is behind this version, with the
/// command that fixes it, instead of failing later on a missing column.
/// </summary>
public sealed class SchemaGate(IDbContextFactory<PanelDbContext> contexts, ILogger<SchemaGate> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        if (pending.Count > 0)
        {
            throw new InvalidOperationException(
                $"The panel database schema is not up to date: {pending.Count} migration(s) pending ({string.Join(", ", pending)}). " +
                "Run `fulfillment migrate` first.");
        }

        logger.LogInformation("Panel database schema is up to date");
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
