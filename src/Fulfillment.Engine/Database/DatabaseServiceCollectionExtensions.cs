using Fulfillment.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
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
        services.AddPooledDbContextFactory<PanelDbContext>((sp, options) =>
            options.UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>()));
        return services;
    }
}
