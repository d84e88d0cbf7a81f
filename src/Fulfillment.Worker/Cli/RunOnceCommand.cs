using Fulfillment.Engine.Dispatch;
using Fulfillment.Engine.Jobs;
using Fulfillment.Worker.Hosting;
using Fulfillment.Worker.Jobs;

namespace Fulfillment.Worker.Cli;

/// <summary><c>run-once JOB</c>: one run of one job, now, outside the scheduler; exit code 1 if it failed.</summary>
public static class RunOnceCommand
{
    public static async Task<int> RunAsync(string job, string[] args, JobCatalog catalog)
    {
        if (!catalog.Jobs.ContainsKey(job))
        {
            await Console.Error.WriteLineAsync($"no job named '{job}'; jobs: {string.Join(", ", catalog.Jobs.Keys)}");
            return EngineCommandLine.Usage;
        }

        var builder = EngineHost.CreateBuilder(EngineMode.Tool, args, catalog);
        if (!EngineCommandLine.ReportConfiguration(builder.Configuration, catalog, Console.Error))
        {
            return EngineCommandLine.Usage;
        }

        using var host = builder.Build();
        var logger = host.Services.GetRequiredService<ILogger<JobCatalog>>();
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        await using var scope = host.Services.CreateAsyncScope();
        logger.LogInformation("Running {Job} once", job);
        await catalog.Resolve(scope.ServiceProvider, job).RunAsync(cancel.Token);
        host.Services.GetRequiredService<DispatchSummary>().Flush();
        logger.LogInformation("{Job} finished", job);
        return EngineCommandLine.Ok;
    }
}
