using Fulfillment.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Fulfillment.Engine.Database;

public static class DatabaseServiceCollectionExtensions
{
    /// <summary>One pooled data source for raw SQL and a pooled DbContext factory on the same connection string.</summary>
    public static IServiceCollection AddPanelDatabase(this IServiceCollection services, string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (string.IsNullOrEmpty(builder.ApplicationName))
        {
            builder.ApplicationName = "fulfillment";
        }

        if (!SetsOption(connectionString, "No Reset On Close", "NoResetOnClose"))
        {
            // The engine leaves no session state on a connection (no SET, no temporary table, no session lock; the
            // listener UNLISTENs before its connection goes back), so the reset on every return to the pool (DISCARD ALL)
            // only threw away each server process's cached plans: every statement of the engine's functions and triggers
            // was planned again on every use (docs/scaling.md, "Pickup latency against its floor").
            builder.NoResetOnClose = true;
        }

        services.AddSingleton(_ => new NpgsqlDataSourceBuilder(builder.ConnectionString).Build());

        // Its probe connects outside the pool, so a pool that is merely exhausted does not pass for an outage.
        var probe = new NpgsqlConnectionStringBuilder(builder.ConnectionString) { Pooling = false, Timeout = 10, CommandTimeout = 10 };
        services.AddSingleton(sp => new DatabaseAvailability(
            sp.GetRequiredService<NpgsqlDataSource>(), probe.ConnectionString,
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<DatabaseAvailability>>()));
        services.AddPooledDbContextFactory<PanelDbContext>((sp, options) =>
            options.UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>()));
        return services;
    }

    /// <summary>Whether the operator's connection string names the option itself (then its value stands).</summary>
    private static bool SetsOption(string connectionString, params string[] names)
    {
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        return names.Any(given.ContainsKey);
    }
}
