using Fulfillment.Engine.Configuration;
using Fulfillment.Tests.Infrastructure;
using Fulfillment.Worker.Configuration;
using Fulfillment.Worker.Jobs;
using Microsoft.Extensions.Configuration;

namespace Fulfillment.Tests.Alerts;

/// <summary>check-config over Fulfillment:Alerts, Fulfillment:Quarantine and Fulfillment:Reconcile: every bad threshold named by its key.</summary>
public sealed class AlertConfigurationTests
{
    private static IReadOnlyList<ConfigProblem> Check(params (string Key, string? Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(Repository.Root, "appsettings.json"))
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();
        return ConfigurationCheck.Run(configuration, JobCatalog.Default);
    }

    private static List<string> Errors(IReadOnlyList<ConfigProblem> problems) => [.. problems.Where(p => !p.IsWarning).Select(p => p.Key)];

    [Fact]
    public void Sensible_thresholds_pass()
    {
        Assert.Empty(Errors(Check(
            ("Fulfillment:Alerts:StuckFactor", "5"),
            ("Fulfillment:Alerts:StuckAfter", "2.00:00:00"),
            ("Fulfillment:Quarantine:ErrorsPerHour", "20"),
            ("Fulfillment:Quarantine:ProviderCancelPercent", "50"),
            ("Fulfillment:Quarantine:ProviderCancelWindow", "06:00:00"),
            ("Fulfillment:Quarantine:Cooldowns:0", "00:10:00"),
            ("Fulfillment:Quarantine:Cooldowns:1", "01:00:00"),
            ("Fulfillment:Quarantine:ResetAfter", "2.00:00:00"),
            ("Fulfillment:Reconcile:CostTolerancePercent", "5"),
            ("Fulfillment:Reconcile:CostMismatchMinOrders", "1"))));
    }

    [Fact]
    public void Every_bad_threshold_is_reported_with_its_key()
    {
        var problems = Check(
            ("Fulfillment:Alerts:StuckFactor", "0"),
            ("Fulfillment:Alerts:StuckAfterMin", "00:00:00"),
            ("Fulfillment:Quarantine:ErrorsPerHour", "0"),
            ("Fulfillment:Quarantine:ProviderCancels", "-1"),
            ("Fulfillment:Quarantine:ProviderCancelUsers", "0"),
            ("Fulfillment:Quarantine:ProviderCancelPercent", "101"),
            ("Fulfillment:Quarantine:ProviderCancelWindow", "-01:00:00"),
            ("Fulfillment:Quarantine:StuckOrders", "0"),
            ("Fulfillment:Quarantine:Cooldowns:0", "00:30:00"),
            ("Fulfillment:Quarantine:Cooldowns:1", "-02:00:00"),
            ("Fulfillment:Quarantine:ResetAfter", "00:00:00"),
            ("Fulfillment:Reconcile:CostTolerancePercent", "-1"),
            ("Fulfillment:Reconcile:CostMismatchMinOrders", "0"));

        var errors = Errors(problems);
        string[] expected =
        [
            "Fulfillment:Alerts:StuckFactor", "Fulfillment:Alerts:StuckAfterMin",
            "Fulfillment:Quarantine:ErrorsPerHour", "Fulfillment:Quarantine:ProviderCancels", "Fulfillment:Quarantine:ProviderCancelUsers",
            "Fulfillment:Quarantine:ProviderCancelPercent", "Fulfillment:Quarantine:ProviderCancelWindow", "Fulfillment:Quarantine:StuckOrders",
            "Fulfillment:Quarantine:Cooldowns", "Fulfillment:Quarantine:ResetAfter",
            "Fulfillment:Reconcile:CostTolerancePercent", "Fulfillment:Reconcile:CostMismatchMinOrders",
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal), errors.Order(StringComparer.Ordinal));
        Assert.Contains(problems, p => p.Key == "Fulfillment:Quarantine:ProviderCancelPercent" && p.Message.Contains("between 0 and 100, not 101", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Key == "Fulfillment:Quarantine:Cooldowns" && p.Message.Contains("-02:00:00", StringComparison.Ordinal));
    }

    [Fact]
    public void StuckAfter_below_StuckAfterMin_and_values_that_do_not_convert_are_errors_by_key()
    {
        var problems = Check(
            ("Fulfillment:Alerts:StuckAfter", "00:30:00"),
            ("Fulfillment:Quarantine:ResetAfter", "a day"),
            ("Fulfillment:Quarantine:Cooldowns:0", "soon"),
            ("Fulfillment:Reconcile:CostTolerancePercent", "ten"));

        Assert.Contains(problems, p => p.Key == "Fulfillment:Alerts:StuckAfter" && p.Message.Contains("at least StuckAfterMin", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Key == "Fulfillment:Quarantine:ResetAfter" && p.Message.Contains("'a day' is not a valid duration", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Key == "Fulfillment:Quarantine:Cooldowns:0" && p.Message.Contains("'soon' is not a valid duration", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Key == "Fulfillment:Reconcile:CostTolerancePercent" && p.Message.Contains("'ten' is not a valid whole number", StringComparison.Ordinal));
    }

    [Fact]
    public void An_unknown_key_is_reported_with_the_setting_it_resembles()
    {
        var problems = Check(
            ("Fulfillment:Quarantine:ProviderCancelPercentage", "30"),
            ("Fulfillment:Quarantine:Cooldown:0", "00:30:00"),
            ("Fulfillment:Alerts:StuckAftr", "1.00:00:00"),
            ("Fulfillment:Reconcile:CostTolerance", "10"),
            ("Fulfillment:Quarantaine:ErrorsPerHour", "5"),
            ("Fulfillment:Quarantine:CooldownSteps:0", "01:00:00"));

        Assert.Contains(problems, p => p.Key == "Fulfillment:Quarantine:ProviderCancelPercentage" && p.Message.Contains("did you mean ProviderCancelPercent?", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Key == "Fulfillment:Quarantine:Cooldown" && p.Message.Contains("did you mean Cooldowns?", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Key == "Fulfillment:Alerts:StuckAftr" && p.Message.Contains("did you mean StuckAfter?", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Key == "Fulfillment:Reconcile:CostTolerance" && p.Message.Contains("did you mean CostTolerancePercent?", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Key == "Fulfillment:Quarantaine" && p.Message.Contains("unknown section", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Key == "Fulfillment:Quarantine:CooldownSteps" && p.Message.Contains("did you mean Cooldowns?", StringComparison.Ordinal));
        Assert.Equal(6, problems.Count(p => !p.IsWarning));
    }

    [Fact]
    public async Task Check_config_verb_exits_non_zero_and_names_the_bad_alert_keys()
    {
        using var engine = EngineProcess.Start("check-config", "--Fulfillment:Quarantine:ProviderCancelPercent=150", "--Fulfillment:Reconcile:CostMismatchMinOrders=0",
            "--Fulfillment:Alerts:StuckFactr=3");

        var exit = await engine.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, exit);
        Assert.Contains("Fulfillment:Quarantine:ProviderCancelPercent", engine.Output, StringComparison.Ordinal);
        Assert.Contains("Fulfillment:Reconcile:CostMismatchMinOrders", engine.Output, StringComparison.Ordinal);
        Assert.Contains("did you mean StuckFactor?", engine.Output, StringComparison.Ordinal);
    }
}
