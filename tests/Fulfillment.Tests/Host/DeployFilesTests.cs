using System.Text.RegularExpressions;
using Fulfillment.Engine.Configuration;

namespace Fulfillment.Tests.Host;

/// <summary>The deploy files (not built or run here: no systemd or Docker) agree with the engine they start.</summary>
[Trait("Lane", "Fast")]
public sealed partial class DeployFilesTests
{
    private static string Deploy(string file) => File.ReadAllText(Path.Combine(Repository.Root, "deploy", file));

    [Fact]
    public void The_systemd_watchdog_allows_several_heartbeats_and_the_health_file_lives_in_the_units_runtime_directory()
    {
        var unit = Deploy("fulfillment.service");
        var watchdog = TimeSpan.FromSeconds(int.Parse(WatchdogSec().Match(unit).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        var defaults = new EngineOptions();

        Assert.True(watchdog >= defaults.HeartbeatInterval * 3, $"WatchdogSec {watchdog} is shorter than three heartbeats");
        Assert.Contains("RuntimeDirectory=fulfillment", unit, StringComparison.Ordinal);
        Assert.Contains("Fulfillment__Engine__HealthFile=/run/fulfillment/", Deploy("fulfillment.env.example"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_image_and_the_compose_engines_are_health_checked_with_the_health_verb()
    {
        Assert.Matches(@"(?m)^HEALTHCHECK .*CMD \[""dotnet"", ""/app/fulfillment.dll"", ""health""\]", Deploy("Dockerfile"));
        Assert.Contains("test: [\"CMD\", \"dotnet\", \"/app/fulfillment.dll\", \"health\"]", Deploy("compose.yaml"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_engines_image_runs_on_the_dotnet_runtime_without_aspnetcore()
    {
        var dockerfile = Deploy("Dockerfile");

        Assert.Matches(@"(?m)^FROM mcr\.microsoft\.com/dotnet/runtime:10\.0 AS runtime$", dockerfile);
        Assert.DoesNotContain("aspnet", dockerfile, StringComparison.OrdinalIgnoreCase);
    }

    [GeneratedRegex(@"(?m)^WatchdogSec=(\d+)$")]
    private static partial Regex WatchdogSec();
}
