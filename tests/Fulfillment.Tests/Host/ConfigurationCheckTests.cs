using Fulfillment.Engine.Configuration;
using Fulfillment.Engine.Jobs;
using Fulfillment.Worker.Configuration;
using Fulfillment.Worker.Jobs;
using Microsoft.Extensions.Configuration;

namespace Fulfillment.Tests.Host;

[Trait("Lane", "Fast")]
public sealed class ConfigurationCheckTests
{
    private static IReadOnlyList<ConfigProblem> Check(params (string Key, string? Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(Repository.Root, "appsettings.json"))
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();
        return ConfigurationCheck.Run(configuration, JobCatalog.Default);
    }

    [Fact]
    public void The_shipped_appsettings_is_valid()
    {
        Assert.DoesNotContain(Check(), p => !p.IsWarning);
    }

    [Fact]
    public void Every_bad_value_is_reported_with_its_key()
    {
        var problems = Check(
            ("ConnectionStrings:Panel", ""),
            ("Fulfillment:Engine:HeartbeatInterval", "ten seconds"),
            ("Fulfillment:Scheduler:MaxConcurency", "4"),
            ("Fulfillment:Scheduler:CheckinInterval", "00:00:00.1"),
            ("Fulfillment:Logging:Format", "xml"),
            ("Fulfillment:Jobs:Heartbeat:Interval", null),
            ("Fulfillment:Jobs:Heartbeat:Cron", "every day"),
            ("Fulfillment:Jobs:Hearbeat:Enabled", "true"),
            ("Fulfillment:Retension:Days", "3"));

        var keys = problems.Where(p => !p.IsWarning).Select(p => p.Key).ToList();
        Assert.Contains("ConnectionStrings:Panel", keys);
        Assert.Contains("Fulfillment:Engine:HeartbeatInterval", keys);
        Assert.Contains("Fulfillment:Scheduler:MaxConcurency", keys);
        Assert.Contains("Fulfillment:Scheduler:CheckinInterval", keys);
        Assert.Contains("Fulfillment:Logging:Format", keys);
        Assert.Contains("Fulfillment:Jobs:Heartbeat:Cron", keys);
        Assert.Contains("Fulfillment:Jobs:Hearbeat", keys);
        Assert.Contains("Fulfillment:Retension", keys);
        Assert.Contains(problems, p => p.Key == "Fulfillment:Scheduler:MaxConcurency" && p.Message.Contains("did you mean MaxConcurrency", StringComparison.Ordinal));
    }

    [Fact]
    public void A_job_with_both_or_neither_schedule_is_an_error()
    {
        Assert.Contains(Check(("Fulfillment:Jobs:Heartbeat:Cron", "0 0 3 * * ?")), p => p.Key == "Fulfillment:Jobs:Heartbeat");
        Assert.Contains(Check(("Fulfillment:Jobs:Heartbeat:Interval", null)), p => p.Key == "Fulfillment:Jobs:Heartbeat");
        Assert.DoesNotContain(Check(("Fulfillment:Jobs:Heartbeat:Enabled", "false"), ("Fulfillment:Jobs:Heartbeat:Interval", null)),
            p => p.Key.StartsWith("Fulfillment:Jobs", StringComparison.Ordinal));
    }

    [Fact]
    public void A_relative_health_file_is_an_error()
    {
        Assert.Contains(Check(("Fulfillment:Engine:HealthFile", "run/engine.json")), p => p.Key == "Fulfillment:Engine:HealthFile" && !p.IsWarning);
        Assert.DoesNotContain(Check(("Fulfillment:Engine:HealthFile", "/run/fulfillment/engine.json")), p => p.Key == "Fulfillment:Engine:HealthFile");
    }

    [Theory]
    [InlineData("0", true)]
    [InlineData("1001", true)]
    [InlineData("1", false)]
    public void Reviewing_an_order_the_provider_does_not_know_takes_at_least_one_answer(string value, bool refused) =>
        Assert.Equal(refused, Check(("Fulfillment:Tracking:UnknownOrderReviewAfter", value)).Any(p => p.Key == "Fulfillment:Tracking:UnknownOrderReviewAfter"));

    [Fact]
    public void The_connection_string_password_is_never_echoed()
    {
        var problems = Check(("ConnectionStrings:Panel", "Host=db;Password=hunter2;Nonsense=1"));

        Assert.Contains(problems, p => p.Key == "ConnectionStrings:Panel");
        Assert.DoesNotContain(problems, p => p.Message.Contains("hunter2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Check_config_verb_exits_non_zero_and_names_each_bad_key()
    {
        using var engine = EngineProcess.Start("check-config", "--Fulfillment:Jobs:Heartbeat:Cron=nope", "--Fulfillment:Engine:ShutdownTimeout=forever");

        var exit = await engine.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, exit);
        Assert.Contains("Fulfillment:Jobs:Heartbeat", engine.Output, StringComparison.Ordinal);
        Assert.Contains("Fulfillment:Engine:ShutdownTimeout", engine.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_config_prints_the_effective_schedule_of_every_job()
    {
        using var engine = EngineProcess.Start("check-config",
            "--Fulfillment:Jobs:DispatchOrders:Interval=00:00:42",
            "--Fulfillment:Jobs:CheckProviderBalances:Enabled=false",
            "--Fulfillment:Jobs:PurgeExpiredData:Cron=0 15 4 * * ?");

        var exit = await engine.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(exit == 0, engine.Output);
        var lines = engine.Output.Split('\n').Select(l => l.Trim()).ToList();
        Assert.Contains(lines, l => l.StartsWith("DispatchOrders ", StringComparison.Ordinal) && l.Contains("every 00:00:42", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("CheckProviderBalances ", StringComparison.Ordinal) && l.Contains("disabled", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("PurgeExpiredData ", StringComparison.Ordinal) && l.Contains("cron '0 15 4 * * ?' UTC", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("SyncOrderStatus ", StringComparison.Ordinal) && l.Contains("every 00:00:05 on each instance", StringComparison.Ordinal));
        foreach (var job in JobCatalog.Default.Jobs.Keys)
        {
            Assert.Contains(lines, l => l.StartsWith(job + " ", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Run_with_a_bad_value_stops_before_touching_the_database()
    {
        // Nothing listens on port 1: had the engine tried the database, it would fail with a connection error instead.
        using var engine = EngineProcess.Start("run", "--ConnectionStrings:Panel=Host=127.0.0.1;Port=1;Database=x", "--Fulfillment:Scheduler:MaxConcurrency=0");

        var exit = await engine.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, exit);
        Assert.Contains("Fulfillment:Scheduler:MaxConcurrency", engine.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Failed to connect", engine.Output, StringComparison.Ordinal);
    }
}
