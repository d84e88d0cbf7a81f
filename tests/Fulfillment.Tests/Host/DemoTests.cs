using System.Text.RegularExpressions;
using Fulfillment.Worker.Cli;

namespace Fulfillment.Tests.Host;

/// <summary>The demo (src/Fulfillment.Demo, its own program) and the engine's <c>demo</c> verb that starts it.</summary>
public sealed partial class DemoTests
{
    [Fact]
    public async Task The_demo_settles_every_order_and_prints_a_consistent_summary()
    {
        var dll = Path.Combine(Repository.Root, "src", "Fulfillment.Demo", "bin", EngineProcess.BuildConfiguration, "net10.0", DemoLauncher.AssemblyFile);
        using var demo = EngineProcess.StartCommand("dotnet", dll);

        var exit = await demo.WaitForExitAsync(TimeSpan.FromMinutes(3));

        Assert.True(exit == 0, demo.Output);
        Assert.Contains("All orders settled", demo.Output, StringComparison.Ordinal);
        Assert.Matches(BalanceMismatches(), demo.Output);
        // The simulator rejects one refill in ten, and may finish an order before its cancel arrives.
        Assert.Matches(RequestAnswered("refill"), demo.Output);
        Assert.Matches(RequestAnswered("cancel"), demo.Output);
        // One subscription runs on; the other ends early, its unserved posts refunded: 0.50 x 100 x 10 / 1000 charged.
        Assert.Matches(@"@demo\.travel\s+running: ([3-9]|[12][0-9]) of 30 posts served \(Active\), charged 3\.000000", demo.Output);
        var early = EndedEarly().Match(demo.Output);
        Assert.True(early.Success, demo.Output);
        var served = int.Parse(early.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(served, 2, 9);
        Assert.Equal((0.5m * (10 - served) / 10).ToString("0.000000", System.Globalization.CultureInfo.InvariantCulture), early.Groups[2].Value);
        // The emulated drip-feed ran all its runs (one answer lost to an injected fault leaves it waiting for a person).
        Assert.Matches(DripFeedRan(), demo.Output);
        // Priced by markup: the likes' 5% upstream rise followed at once (60% on top), the package's 40% rise held for a person.
        Assert.Matches(@"Instagram Likes: applied +upstream 0\.250000 -> 0\.262500, sale rate 0\.400000 -> 0\.420000", demo.Output);
        Assert.Matches(@"Profile Starter Package: held +upstream 5\.000000 -> 7\.000000, sale rate 6\.000000 -> 8\.400000", demo.Output);
        Assert.Matches(@"price_change_held service \d+ \(open\)", demo.Output);
        Assert.Matches(@"Instagram Likes +\d+ orders: average", demo.Output);
        Assert.Contains("Demo database removed.", demo.Output, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"order \d+: [a-z_]+ +3 of 3 runs, \d+ of 1500 delivered")]
    private static partial Regex DripFeedRan();

    [Fact]
    public async Task The_engines_demo_verb_run_from_a_checkout_runs_the_demo()
    {
        // The engine's own verb, as a newcomer may type it in a checkout (docs/operations.md): dotnet run --project src/Fulfillment.Worker -- demo.
        using var demo = EngineProcess.StartCommand("dotnet", "run", "--project", "src/Fulfillment.Worker", "-c", EngineProcess.BuildConfiguration, "--", "demo");

        var exit = await demo.WaitForExitAsync(TimeSpan.FromMinutes(8));

        Assert.True(exit == 0, demo.Output);
        Assert.Contains("fulfillment demo: running dotnet run --project " + Path.Combine(Repository.Root, DemoLauncher.ProjectFile), demo.Output, StringComparison.Ordinal);
        Assert.Contains("All orders settled", demo.Output, StringComparison.Ordinal);
        Assert.Matches(BalanceMismatches(), demo.Output);
        Assert.Contains("Demo database removed.", demo.Output, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Lane", "Fast")]
    public void The_demo_verb_looks_next_to_its_binary_first_then_for_a_checkout_above_the_working_directory_or_the_binary()
    {
        var root = Directory.CreateTempSubdirectory("fulfillment-demo-");
        try
        {
            var binary = Directory.CreateDirectory(Path.Combine(root.FullName, "checkout", "out")).FullName;
            var elsewhere = Directory.CreateDirectory(Path.Combine(root.FullName, "elsewhere", "deeper")).FullName;
            Assert.Null(DemoLauncher.Locate(binary, elsewhere, []));

            var project = Path.Combine(root.FullName, "checkout", DemoLauncher.ProjectFile);
            Directory.CreateDirectory(Path.GetDirectoryName(project)!);
            File.WriteAllText(project, "<Project />");
            var fromCheckout = DemoLauncher.Locate(binary, elsewhere, ["--Fulfillment:Engine:InstanceName=x"]);
            Assert.NotNull(fromCheckout);
            Assert.Equal(["run", "--project", project, "-c", EngineProcess.BuildConfiguration, "--", "--Fulfillment:Engine:InstanceName=x"], fromCheckout.ArgumentList);
            Assert.Equal(["run", "--project", project], DemoLauncher.Locate(elsewhere, Path.Combine(root.FullName, "checkout", "src"), [])!.ArgumentList.Take(3));

            var assembly = Path.Combine(binary, DemoLauncher.AssemblyFile);
            File.WriteAllText(assembly, "");
            Assert.Equal([assembly, "--x=1"], DemoLauncher.Locate(binary, elsewhere, ["--x=1"])!.ArgumentList);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    [Trait("Lane", "Fast")]
    public async Task Without_the_demo_at_hand_the_demo_verb_fails_saying_the_demo_ships_separately_and_how_to_run_it()
    {
        var nowhere = Directory.CreateTempSubdirectory("fulfillment-demo-");
        try
        {
            using var error = new StringWriter();

            var exit = await DemoLauncher.RunAsync([], nowhere.FullName, nowhere.FullName, error);

            Assert.Equal(EngineCommandLine.Failed, exit);
            Assert.Contains("the demo ships separately", error.ToString(), StringComparison.Ordinal);
            Assert.Contains("dotnet run --project src/Fulfillment.Demo", error.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            nowhere.Delete(recursive: true);
        }
    }

    [GeneratedRegex(@"@demo\.bakery\s+ended early \(partial\): (\d+) of 10 posts served, charged 0\.500000, refunded (\d+\.\d{6})")]
    private static partial Regex EndedEarly();

    [GeneratedRegex(@"users whose balance <> ledger sum\s+0\b")]
    private static partial Regex BalanceMismatches();

    private static Regex RequestAnswered(string kind) => new($@"{kind} request (done|rejected)\s+1\b");
}
