using Fulfillment.Engine.Configuration;
using Fulfillment.Engine.Jobs;
using Microsoft.Extensions.Configuration;

namespace Fulfillment.Engine.Retention;

/// <summary>The configuration rule of <c>Fulfillment:Retention</c>, one entry of <see cref="ConfigurationRules.All"/>.</summary>
public static class RetentionRules
{
    private static readonly TimeSpan LongestWindow = TimeSpan.FromDays(36_500);

    public static IEnumerable<ConfigProblem> Check(IConfiguration configuration)
    {
        var problems = new List<ConfigProblem>();
        var options = SectionBinder.Bind<RetentionOptions>(configuration, RetentionOptions.Section, problems)
            ?? BindExcept(configuration, problems.Select(p => p.Key));

        Window(problems, nameof(RetentionOptions.ActivityLog), options.ActivityLog, promisedAtMost: TimeSpan.FromDays(365), "004 Privacy 5.3: 1 year");
        Window(problems, nameof(RetentionOptions.SupportTickets), options.SupportTickets, promisedAtMost: TimeSpan.FromDays(730), "002 §7: 24 months");
        Window(problems, nameof(RetentionOptions.SentNotifications), options.SentNotifications);
        Window(problems, nameof(RetentionOptions.DeletedAccounts), options.DeletedAccounts, promisedAtMost: TimeSpan.FromDays(365), "004 Privacy 5.2: 1 year");
        Window(problems, nameof(RetentionOptions.InactiveNotice), options.InactiveNotice);
        Window(problems, nameof(RetentionOptions.InactiveGrace), options.InactiveGrace);
        Window(problems, nameof(RetentionOptions.ActivationData), options.ActivationData);
        Window(problems, nameof(RetentionOptions.TransactionRecords), options.TransactionRecords);
        if (options.TransactionRecords > TimeSpan.Zero && options.TransactionRecords < TimeSpan.FromDays(5 * 365))
        {
            problems.Add(new(Key(nameof(RetentionOptions.TransactionRecords)),
                $"{options.TransactionRecords} is shorter than the 5–7 years transaction records are kept for tax (002 §7)", IsWarning: true));
        }

        if (options.ErasureWindow <= TimeSpan.Zero || options.ErasureWindow > TimeSpan.FromDays(30))
        {
            problems.Add(new(Key(nameof(RetentionOptions.ErasureWindow)),
                $"must be more than zero and at most 30.00:00:00 (requests are answered within 30 days), not {options.ErasureWindow}"));
        }

        if (options.DisputeHold < TimeSpan.Zero || options.DisputeHold > LongestWindow)
        {
            problems.Add(new(Key(nameof(RetentionOptions.DisputeHold)), $"must be between 00:00:00 (no hold) and {LongestWindow}, not {options.DisputeHold}"));
        }

        if (options.BatchSize is < 1 or > 100_000)
        {
            problems.Add(new(Key(nameof(RetentionOptions.BatchSize)), $"must be between 1 and 100000, not {options.BatchSize}"));
        }

        if (options.UserBatchSize is < 1 or > 1_000)
        {
            problems.Add(new(Key(nameof(RetentionOptions.UserBatchSize)), $"must be between 1 and 1000, not {options.UserBatchSize}"));
        }

        if (options.BatchPause < TimeSpan.Zero || options.BatchPause > TimeSpan.FromMinutes(1))
        {
            problems.Add(new(Key(nameof(RetentionOptions.BatchPause)), $"must be between 00:00:00 and 00:01:00, not {options.BatchPause}"));
        }

        if (!configuration.GetValue($"Fulfillment:Jobs:{JobNames.PurgeExpiredData}:Enabled", true))
        {
            problems.Add(new($"Fulfillment:Jobs:{JobNames.PurgeExpiredData}:Enabled",
                "the retention promises are kept only while PurgeExpiredData runs; run it another way (run-once) or enable it", IsWarning: true));
        }

        return problems;
    }

    /// <summary>The section without the settings that did not convert, so the others are still range-checked.</summary>
    private static RetentionOptions BindExcept(IConfiguration configuration, IEnumerable<string> badKeys)
    {
        var bad = badKeys.ToHashSet(StringComparer.OrdinalIgnoreCase);
        var rest = configuration.GetSection(RetentionOptions.Section).AsEnumerable(makePathsRelative: true)
            .Where(kv => !bad.Contains($"{RetentionOptions.Section}:{kv.Key}"));
        return new ConfigurationBuilder().AddInMemoryCollection(rest).Build().Get<RetentionOptions>() ?? new RetentionOptions();
    }

    private static void Window(List<ConfigProblem> problems, string name, TimeSpan value, TimeSpan? promisedAtMost = null, string? promise = null)
    {
        if (value <= TimeSpan.Zero || value > LongestWindow)
        {
            problems.Add(new(Key(name), $"must be more than zero and at most {LongestWindow}, not {value}"));
        }
        else if (promisedAtMost is { } most && value > most)
        {
            problems.Add(new(Key(name), $"{value} is longer than the seeds promise ({promise})", IsWarning: true));
        }
    }

    private static string Key(string name) => $"{RetentionOptions.Section}:{name}";
}
