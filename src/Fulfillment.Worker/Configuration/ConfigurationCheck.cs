using System.Text.RegularExpressions;
using Fulfillment.Engine.Configuration;
using Fulfillment.Engine.Jobs;
using Fulfillment.Worker.Jobs;
using Microsoft.Extensions.Configuration;
using Npgsql;
using Quartz;

namespace Fulfillment.Worker.Configuration;

/// <summary>
/// Validates the whole configuration and reports every problem with its key, so an operator
/// fixes a file in one pass. <c>check-config</c> prints this list; every other verb refuses to
/// start (before touching the database) while it holds an error.
/// </summary>
public static partial class ConfigurationCheck
{
    public const string ConnectionStringKey = "ConnectionStrings:Panel";

    private static readonly string[] KnownFulfillmentSections =
        ["Engine", "Scheduler", "Jobs", "Logging", "Providers", "ProviderSync", "Activations", "Dispatch", "DripFeed", "Tracking", "Requests", "Conflicts", "Retention",
         "Metrics", "Demo", "PanelCurrency", "Alerts", "Quarantine", "Reconcile", "Stats", "Pricing"];

    public static IReadOnlyList<ConfigProblem> Run(IConfiguration configuration, JobCatalog catalog)
    {
        var problems = new List<ConfigProblem>();
        CheckConnectionString(configuration, problems);
        CheckUnknownSections(configuration, problems);

        var engine = SectionBinder.Bind<EngineOptions>(configuration, EngineOptions.Section, problems);
        if (engine is not null)
        {
            problems.Require(EngineOptions.Section, nameof(EngineOptions.HeartbeatInterval),
                engine.HeartbeatInterval >= TimeSpan.FromMilliseconds(100) && engine.HeartbeatInterval <= TimeSpan.FromMinutes(10),
                $"must be between 00:00:00.1 and 00:10:00, not {engine.HeartbeatInterval}");
            problems.Require(EngineOptions.Section, nameof(EngineOptions.StaleInstanceAfter),
                engine.StaleInstanceAfter >= engine.HeartbeatInterval * 2,
                $"must be at least twice HeartbeatInterval ({engine.HeartbeatInterval * 2}), not {engine.StaleInstanceAfter}");
            problems.Require(EngineOptions.Section, nameof(EngineOptions.ShutdownTimeout),
                engine.ShutdownTimeout >= TimeSpan.FromSeconds(1) && engine.ShutdownTimeout <= TimeSpan.FromMinutes(10),
                $"must be between 00:00:01 and 00:10:00, not {engine.ShutdownTimeout}");
            problems.Require(EngineOptions.Section, nameof(EngineOptions.HealthFile),
                string.IsNullOrWhiteSpace(engine.HealthFile) || Path.IsPathFullyQualified(engine.HealthFile),
                $"must be an absolute file path (or empty for the temporary directory), not '{engine.HealthFile}'");
        }

        var scheduler = SectionBinder.Bind<SchedulerOptions>(configuration, SchedulerOptions.Section, problems);
        if (scheduler is not null)
        {
            problems.Require(SchedulerOptions.Section, nameof(SchedulerOptions.CheckinInterval),
                scheduler.CheckinInterval >= TimeSpan.FromMilliseconds(500), $"must be at least 00:00:00.5, not {scheduler.CheckinInterval}");
            problems.Require(SchedulerOptions.Section, nameof(SchedulerOptions.MaxConcurrency),
                scheduler.MaxConcurrency is >= 1 and <= 64, $"must be between 1 and 64, not {scheduler.MaxConcurrency}");
            problems.Require(SchedulerOptions.Section, nameof(SchedulerOptions.TablePrefix),
                TablePrefixPattern().IsMatch(scheduler.TablePrefix), $"must be lower-case letters, digits and underscores, not '{scheduler.TablePrefix}'");
        }

        var logging = SectionBinder.Bind<LoggingOptions>(configuration, LoggingOptions.Section, problems);
        if (logging is not null)
        {
            problems.Require(LoggingOptions.Section, nameof(LoggingOptions.Format),
                logging.Format is "text" or "json", $"must be 'text' or 'json', not '{logging.Format}'");
        }

        if (configuration[PanelOptions.Key] is { } currency && !CurrencyPattern().IsMatch(currency))
        {
            problems.Add(new(PanelOptions.Key, $"must be a three-letter currency code such as USD, not '{currency}'"));
        }

        CheckJobs(configuration, catalog, problems);
        foreach (var rule in ConfigurationRules.All)
        {
            problems.AddRange(rule(configuration));
        }

        return problems;
    }

    private static void CheckConnectionString(IConfiguration configuration, List<ConfigProblem> problems)
    {
        var value = configuration[ConnectionStringKey];
        if (string.IsNullOrWhiteSpace(value))
        {
            problems.Add(new(ConnectionStringKey, "is not set; give the panel database, e.g. Host=db;Database=panel;Username=fulfillment;Password=..."));
            return;
        }

        try
        {
            var builder = new NpgsqlConnectionStringBuilder(value);
            if (string.IsNullOrEmpty(builder.Host))
            {
                problems.Add(new(ConnectionStringKey, "has no Host"));
            }
        }
        catch (ArgumentException ex)
        {
            // The message names the offending keyword; the value itself may hold a password and is not echoed.
            problems.Add(new(ConnectionStringKey, "is not a valid PostgreSQL connection string: " + ex.Message));
        }
    }

    private static void CheckUnknownSections(IConfiguration configuration, List<ConfigProblem> problems)
    {
        foreach (var child in configuration.GetSection("Fulfillment").GetChildren())
        {
            if (!KnownFulfillmentSections.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                problems.Add(new(child.Path, $"unknown section; known sections are {string.Join(", ", KnownFulfillmentSections)}"));
            }
        }
    }

    private static void CheckJobs(IConfiguration configuration, JobCatalog catalog, List<ConfigProblem> problems)
    {
        var jobs = configuration.GetSection(JobOptions.Section);
        foreach (var job in jobs.GetChildren())
        {
            if (!JobNames.Contract.Contains(job.Key, StringComparer.Ordinal))
            {
                problems.Add(new(job.Path, $"unknown job; jobs are {string.Join(", ", JobNames.Contract)}"));
                continue;
            }

            if (!catalog.Jobs.ContainsKey(job.Key))
            {
                problems.Add(new(job.Path, "this version of the engine has no such job yet; the setting is ignored", IsWarning: true));
                continue;
            }

            var options = SectionBinder.Bind<JobOptions>(configuration, job.Path, problems);
            if (options is null || !options.Enabled)
            {
                continue;
            }

            var hasCron = !string.IsNullOrWhiteSpace(options.Cron);
            if (hasCron == options.Interval.HasValue)
            {
                problems.Add(new(job.Path, "set exactly one of Cron or Interval"));
            }
            else if (hasCron && CronError(options.Cron!) is { } cronError)
            {
                problems.Add(new(job.Path + ":Cron", $"'{options.Cron}' is not a valid Quartz cron expression ({cronError}); the fields are seconds minutes hours day-of-month month day-of-week, e.g. '0 0 3 * * ?'"));
            }
            else if (options.Interval is { } interval && (interval < TimeSpan.FromMilliseconds(100) || interval > TimeSpan.FromDays(1)))
            {
                problems.Add(new(job.Path + ":Interval", $"must be between 00:00:00.1 and 1.00:00:00, not {interval}"));
            }
        }

        foreach (var name in catalog.Jobs.Keys)
        {
            if (!jobs.GetSection(name).Exists())
            {
                problems.Add(new($"{JobOptions.Section}:{name}", "has no schedule; set Cron or Interval, or Enabled: false"));
            }
        }
    }

    private static string? CronError(string expression)
    {
        try
        {
            _ = new CronExpression(expression);
            return null;
        }
        catch (FormatException ex)
        {
            return ex.Message;
        }
    }

    [GeneratedRegex("^[A-Z]{3}$")]
    private static partial Regex CurrencyPattern();

    [GeneratedRegex("^[a-z_][a-z0-9_]*$")]
    private static partial Regex TablePrefixPattern();
}
