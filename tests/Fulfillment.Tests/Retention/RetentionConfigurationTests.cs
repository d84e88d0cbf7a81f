using Fulfillment.Engine.Configuration;
using Fulfillment.Engine.Retention;
using Fulfillment.Worker.Configuration;
using Microsoft.Extensions.Configuration;

namespace Fulfillment.Tests.Retention;

[Trait("Lane", "Fast")]
public sealed class RetentionConfigurationTests
{
    [Fact]
    public void The_shipped_appsettings_spells_out_every_retention_default_and_schedules_the_job_nightly()
    {
        var configuration = new ConfigurationBuilder().AddJsonFile(Path.Combine(Repository.Root, "appsettings.json")).Build();
        var section = configuration.GetSection(RetentionOptions.Section);
        var shipped = section.Get<RetentionOptions>()!;
        var defaults = new RetentionOptions();

        foreach (var property in typeof(RetentionOptions).GetProperties())
        {
            Assert.True(section.GetSection(property.Name).Exists(), $"{property.Name} is missing from appsettings.json");
            Assert.Equal(property.GetValue(defaults), property.GetValue(shipped));
        }

        Assert.Empty(RetentionRules.Check(configuration));
        Assert.Equal("0 30 3 * * ?", configuration["Fulfillment:Jobs:PurgeExpiredData:Cron"]);
    }

    [Fact]
    public void Bad_retention_settings_are_reported_by_key()
    {
        var problems = Check(
            ("ErasureWindow", "31.00:00:00"),
            ("BatchSize", "0"),
            ("UserBatchSize", "5000"),
            ("ActivityLog", "-1.00:00:00"),
            ("SupportTickets", "two years"),
            ("BatchPause", "00:05:00"),
            ("DisputeHold", "-00:00:01"),
            ("InactiveGrace", "00:00:00"),
            ("ActivityLogs", "365.00:00:00"));

        var errors = problems.Where(p => !p.IsWarning).Select(p => p.Key).ToList();
        foreach (var key in new[] { "ErasureWindow", "BatchSize", "UserBatchSize", "SupportTickets", "BatchPause", "DisputeHold", "InactiveGrace", "ActivityLogs" })
        {
            Assert.Contains($"Fulfillment:Retention:{key}", errors);
        }

        Assert.Contains(problems, p => p.Key == "Fulfillment:Retention:ActivityLogs" && p.Message.Contains("did you mean ActivityLog", StringComparison.Ordinal));
    }

    [Fact]
    public void A_bad_window_is_an_error_and_one_longer_than_the_seeds_promise_is_a_warning()
    {
        Assert.Contains(Check(("ActivityLog", "-1.00:00:00")), p => p.Key == "Fulfillment:Retention:ActivityLog" && !p.IsWarning);
        Assert.Contains(Check(("ActivityLog", "400.00:00:00")), p => p.Key == "Fulfillment:Retention:ActivityLog" && p.IsWarning);
        Assert.Contains(Check(("TransactionRecords", "365.00:00:00")), p => p.Key == "Fulfillment:Retention:TransactionRecords" && p.IsWarning);
        Assert.Empty(Check(("ErasureWindow", "30.00:00:00"), ("BatchSize", "100000")));
    }

    [Fact]
    public void The_retention_rule_is_part_of_the_configuration_check()
    {
        Assert.Contains(ConfigurationRules.All, rule => rule(Configuration(("ErasureWindow", "90.00:00:00")))
            .Any(p => p.Key == "Fulfillment:Retention:ErasureWindow"));
    }

    private static List<ConfigProblem> Check(params (string Key, string Value)[] settings) =>
        RetentionRules.Check(Configuration(settings)).ToList();

    private static IConfiguration Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>($"{RetentionOptions.Section}:{s.Key}", s.Value)))
            .Build();
}
