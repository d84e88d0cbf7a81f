using Fulfillment.Engine.Configuration;
using Microsoft.Extensions.Configuration;

namespace Fulfillment.Engine.DripFeed;

/// <summary>Validation of <c>Fulfillment:DripFeed</c>: drip-feeds the engine runs itself.</summary>
public static class DripFeedRules
{
    public static IEnumerable<ConfigProblem> Check(IConfiguration configuration)
    {
        var problems = new List<ConfigProblem>();
        if (SectionBinder.Bind<DripFeedOptions>(configuration, DripFeedOptions.Section, problems) is { } d)
        {
            problems.Range(DripFeedOptions.Section, nameof(d.BatchSize), d.BatchSize, 1, 10_000);
            problems.Positive(DripFeedOptions.Section, nameof(d.CheckInterval), d.CheckInterval);
            problems.Positive(DripFeedOptions.Section, nameof(d.IntervalUnit), d.IntervalUnit);
            problems.Range(DripFeedOptions.Section, nameof(d.MaxFailedRunsInARow), d.MaxFailedRunsInARow, 1, 1000);
            if (d.IntervalUnit > TimeSpan.Zero && d.IntervalUnit != TimeSpan.FromMinutes(1))
            {
                problems.Add(new($"{DripFeedOptions.Section}:{nameof(d.IntervalUnit)}",
                    $"is {d.IntervalUnit}, not 00:01:00: drip-feed runs go out {(d.IntervalUnit < TimeSpan.FromMinutes(1) ? "faster" : "slower")} than the interval a user bought (meant for rehearsals and the demo)",
                    IsWarning: true));
            }
        }

        return problems;
    }
}
