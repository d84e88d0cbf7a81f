using Fulfillment.Engine;
using Fulfillment.Engine.Configuration;
using Fulfillment.Engine.Database;
using Fulfillment.Engine.Heartbeat;
using Fulfillment.Engine.Jobs;
using Fulfillment.Worker.Configuration;
using Fulfillment.Worker.Jobs;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Options;
using Quartz;

namespace Fulfillment.Worker.Hosting;

public static class EngineServiceExtensions
{
    /// <summary>Options, clock, database and the job logic: what every verb needs.</summary>
    public static HostApplicationBuilder AddEngineCore(this HostApplicationBuilder builder, JobCatalog catalog)
    {
        var services = builder.Services;
        services.AddOptions<EngineOptions>().BindConfiguration(EngineOptions.Section).ValidateOnStart();
        services.AddOptions<SchedulerOptions>().BindConfiguration(SchedulerOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<EngineOptions>>(new ConfigurationCheckValidator<EngineOptions>(builder.Configuration, catalog));
        services.AddSingleton<IValidateOptions<SchedulerOptions>>(new ConfigurationCheckValidator<SchedulerOptions>(builder.Configuration, catalog));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(catalog);
        services.AddSingleton<EngineActivity>();
        services.AddSingleton(sp => InstanceIdentity.Create(
            sp.GetRequiredService<IOptions<EngineOptions>>().Value.InstanceName, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<HeartbeatStore>();
        services.AddPanelDatabase(builder.Configuration[ConfigurationCheck.ConnectionStringKey] ?? "");
        services.AddEngineModules(builder.Configuration);
        catalog.Register(services);
        return builder;
    }

    /// <summary>The long-running service: schema gate, heartbeat, clustered scheduler and the jobs each instance fires, systemd.</summary>
    public static HostApplicationBuilder AddEngineService(this HostApplicationBuilder builder)
    {
        var engine = new EngineOptions();
        builder.Configuration.GetSection(EngineOptions.Section).Bind(engine);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = engine.ShutdownTimeout);
        builder.Services.AddSystemd();
        // AddSystemd registers a notifier only when it recognises systemd as the parent process; the watchdog
        // follows the sd_notify protocol itself (NOTIFY_SOCKET, WATCHDOG_USEC), so it makes one when needed.
        builder.Services.AddSingleton<IHeartbeatObserver>(sp => new SystemdWatchdog(
            sp.GetService<ISystemdNotifier>() ?? new SystemdNotifier(), sp.GetRequiredService<IOptions<EngineOptions>>(), sp.GetRequiredService<ILogger<SystemdWatchdog>>()));
        builder.Services.AddHostedService<SchemaGate>();
        builder.Services.AddHostedService<InstanceHeartbeat>();
        builder.Services.AddNewOrderListener();
        builder.AddEngineScheduler();
        builder.AddEngineMetrics();
        return builder;
    }

    private static void AddEngineScheduler(this HostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var scheduler = new SchedulerOptions();
        configuration.GetSection(SchedulerOptions.Section).Bind(scheduler);
        var connectionString = configuration[ConfigurationCheck.ConnectionStringKey] ?? "";

        builder.AddQuartz(q =>
        {
            q.ConfigureScheduler(s =>
            {
                s.InstanceName = "fulfillment";
                s.GenerateInstanceId = true;
            });
            q.UseDefaultThreadPool(scheduler.MaxConcurrency);
            q.UsePersistentStore(store =>
            {
                store.UsePostgres(connectionString);
                // Quartz validates its tables at start (its default) and never creates them: `migrate`, run as
                // the owner, does (SchemaMigrator), so the runtime role needs no DDL.
                store.ConfigureStore(o => o.TablePrefix = scheduler.TablePrefix);
                store.UseClustering(c =>
                {
                    c.Enabled = scheduler.Clustered;
                    c.CheckinInterval = scheduler.CheckinInterval;
                });
            });
        });

        // Before Quartz's hosted service: the stored triggers follow the configuration before anything fires.
        builder.Services.AddSingleton<JobExecution>();
        builder.Services.AddHostedService<ScheduleSync>();
        builder.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        // The jobs every instance fires itself; started last, stopped first.
        builder.Services.AddHostedService<InstanceJobs>();
    }
}
