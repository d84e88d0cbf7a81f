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
}
