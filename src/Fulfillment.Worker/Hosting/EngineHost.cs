using Fulfillment.Engine.Jobs;
using Fulfillment.Worker.Jobs;

namespace Fulfillment.Worker.Hosting;

/// <summary>Builds the engine's host for a verb. Tests build it the same way, with extra configuration.</summary>
public static class EngineHost
{
    public static HostApplicationBuilder CreateBuilder(EngineMode mode, string[] args, JobCatalog? catalog = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") ?? Environments.Production,
        });
        builder.AddEngineConfiguration(args);
        builder.AddEngineLogging();
        builder.AddEngineCore(catalog ?? JobCatalog.Default);
        if (mode == EngineMode.Service)
        {
            builder.AddEngineService();
        }

        return builder;
    }
}

public enum EngineMode
{
    /// <summary>The long-running service: scheduler, heartbeat, schema gate.</summary>
    Service,

    /// <summary>Only the database and the job logic: <c>migrate</c> and <c>run-once</c>.</summary>
    Tool,
}
