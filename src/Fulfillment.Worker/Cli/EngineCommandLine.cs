using Fulfillment.Engine.Jobs;
using Fulfillment.Worker.Configuration;
using Fulfillment.Worker.Hosting;
using Fulfillment.Worker.Jobs;
using Microsoft.Extensions.Configuration;

namespace Fulfillment.Worker.Cli;

/// <summary>
/// <c>fulfillment [run|migrate|run-once JOB|check-config|health|demo] [--Key=Value ...]</c>. Anything after
/// the verb is configuration, e.g. <c>--ConnectionStrings:Panel="Host=..."</c>.
/// </summary>
public static class EngineCommandLine
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Usage = 2;

    public const string UsageText = """
        usage: fulfillment [verb] [--Section:Key=value ...]

        verbs:
          run                 the long-running engine (default)
          migrate             apply the database schema to ConnectionStrings:Panel and exit
          migrate --script F  write the idempotent SQL script of the schema to file F and exit
          run-once JOB        run one scheduled job once, now, and exit
          check-config        validate the configuration, print every problem with its key, then the schedule
          health              exit 0 when this instance's heartbeat is fresh (for container health checks)
          demo                a throwaway database and a simulated provider, demo orders driven to completion, a summary
                              (the demo ships separately, src/Fulfillment.Demo: this runs it when it is at hand)
        """;

    public static async Task<int> RunAsync(string[] args, JobCatalog? catalog = null)
    {
        catalog ??= JobCatalog.Default;
        var verb = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "run";
        var rest = args.Length > 0 && !args[0].StartsWith('-') ? args[1..] : args;
        try
        {
            switch (verb)
            {
                case "run":
                    return await RunServiceAsync(rest, catalog);
                case "migrate":
                    return await MigrateCommand.RunAsync(rest, catalog);
                case "run-once":
                    if (rest.Length == 0 || rest[0].StartsWith('-'))
                    {
                        await Console.Error.WriteLineAsync($"run-once needs a job name: one of {string.Join(", ", catalog.Jobs.Keys)}");
                        return Usage;
                    }

                    return await RunOnceCommand.RunAsync(rest[0], rest[1..], catalog);
                case "check-config":
                    return CheckConfig(rest, catalog);
                case "health":
                    return await HealthCommand.RunAsync(rest, catalog);
                case "demo":
                    return await DemoLauncher.RunAsync(rest);
                case "help" or "--help" or "-h":
                    await Console.Out.WriteLineAsync(UsageText);
                    return Ok;
                default:
                    await Console.Error.WriteLineAsync($"unknown verb '{verb}'\n\n{UsageText}");
                    return Usage;
            }
        }
        catch (Exception ex)
        {
            await Console.Error.WriteLineAsync($"fulfillment {verb} failed: {ex.GetBaseException().Message}");
            return Failed;
        }
    }

    /// <summary>Prints every configuration problem; false when any is an error.</summary>
    public static bool ReportConfiguration(IConfiguration configuration, JobCatalog catalog, TextWriter output)
    {
        var problems = ConfigurationCheck.Run(configuration, catalog);
        foreach (var problem in problems)
        {
            output.WriteLine(problem);
        }

        return !problems.Any(p => !p.IsWarning);
    }

    /// <summary>
    /// The schedule `run` will store, job by job: with several instances, the last one to start sets it for all; a job that
    /// runs on every instance is fired by each on the schedule of its own configuration.
    /// </summary>
    public static void ReportSchedule(IConfiguration configuration, JobCatalog catalog, TextWriter output)
    {
        var schedules = JobSchedule.Read(configuration, catalog);
        var width = schedules.Max(s => s.Job.Length);
        output.WriteLine("schedule (`run` stores it at start, replacing what earlier starts stored; jobs \"on each instance\" are fired by every instance itself):");
        foreach (var schedule in schedules)
        {
            output.WriteLine($"  {schedule.Job.PadRight(width)}  {schedule.Describe()}");
        }
    }

    private static int CheckConfig(string[] args, JobCatalog catalog)
    {
        var builder = EngineHost.CreateBuilder(EngineMode.Tool, args, catalog);
        var ok = ReportConfiguration(builder.Configuration, catalog, Console.Out);
        if (ok)
        {
            ReportSchedule(builder.Configuration, catalog, Console.Out);
        }

        Console.Out.WriteLine(ok ? "configuration OK" : "configuration has errors");
        return ok ? Ok : Failed;
    }

    private static async Task<int> RunServiceAsync(string[] args, JobCatalog catalog)
    {
        var builder = EngineHost.CreateBuilder(EngineMode.Service, args, catalog);
        if (!ReportConfiguration(builder.Configuration, catalog, Console.Error))
        {
            return Usage;
        }

        using var host = builder.Build();
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        try
        {
            await host.StartAsync();
        }
        catch (Exception ex) when (lifetime.ApplicationStopping.IsCancellationRequested && IsCancellation(ex))
        {
            // SIGTERM while starting (systemctl stop right after start): stop what started, a clean stop.
            await host.StopAsync();
            await Console.Error.WriteLineAsync("fulfillment run: stopped while starting");
            return Ok;
        }

        await host.WaitForShutdownAsync();
        return Ok;
    }

    /// <summary>A cancellation anywhere in the chain (Npgsql wraps the server's own in an OperationCanceledException, and Quartz the other way round).</summary>
    private static bool IsCancellation(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is OperationCanceledException)
            {
                return true;
            }
        }

        return false;
    }
}
