using Fulfillment.Engine.Configuration;
using Fulfillment.Engine.DripFeed;
using Fulfillment.Worker.Configuration;
using Fulfillment.Worker.Jobs;
using Microsoft.Extensions.Configuration;

namespace Fulfillment.Tests.DripFeed;

/// <summary>Fulfillment:DripFeed is validated like every section: each bad value by its key, and a drip-feed minute that is not a minute is a warning.</summary>
[Trait("Lane", "Fast")]
public sealed class DripFeedConfigurationTests
{
    private static IReadOnlyList<ConfigProblem> Check(params (string Key, string? Value)[] settings) =>
        ConfigurationCheck.Run(new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(Repository.Root, "appsettings.json"))
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build(), JobCatalog.Default);

    [Fact]
    public void The_shipped_settings_raise_nothing_about_drip_feed() =>
        Assert.DoesNotContain(Check(), p => p.Key.StartsWith(DripFeedOptions.Section, StringComparison.Ordinal));

    [Fact]
    public void Bad_drip_feed_settings_are_errors_named_by_their_key()
    {
        var problems = Check(
            ("Fulfillment:DripFeed:BatchSize", "0"),
            ("Fulfillment:DripFeed:CheckInterval", "00:00:00"),
            ("Fulfillment:DripFeed:MaxFailedRunsInARow", "0"),
            ("Fulfillment:DripFeed:IntervalUnits", "00:00:01"));

        var errors = problems.Where(p => !p.IsWarning).Select(p => p.Key).ToList();
        Assert.Contains("Fulfillment:DripFeed:BatchSize", errors);
        Assert.Contains("Fulfillment:DripFeed:CheckInterval", errors);
        Assert.Contains("Fulfillment:DripFeed:MaxFailedRunsInARow", errors);
        Assert.Contains(problems, p => p.Key == "Fulfillment:DripFeed:IntervalUnits" && p.Message.Contains("did you mean IntervalUnit", StringComparison.Ordinal));
    }

    [Fact]
    public void A_drip_feed_minute_that_is_not_a_minute_is_a_warning_not_an_error()
    {
        var problem = Assert.Single(Check(("Fulfillment:DripFeed:IntervalUnit", "00:00:01")), p => p.Key == "Fulfillment:DripFeed:IntervalUnit");

        Assert.True(problem.IsWarning);
        Assert.Contains("faster than the interval a user bought", problem.Message, StringComparison.Ordinal);
    }
}
