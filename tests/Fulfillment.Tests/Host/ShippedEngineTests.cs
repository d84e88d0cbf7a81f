using System.Text.Json;
using System.Text.RegularExpressions;

namespace Fulfillment.Tests.Host;

/// <summary>
/// The engine's binary (src/Fulfillment.Worker, what <c>dotnet publish</c> ships) carries only the engine: it
/// runs on the .NET runtime alone, without the simulator, ASP.NET Core or Testcontainers (the demo has them).
/// </summary>
[Trait("Lane", "Fast")]
public sealed partial class ShippedEngineTests
{
    [Fact]
    public void The_engine_needs_only_the_dotnet_runtime()
    {
        using var runtimeConfig = JsonDocument.Parse(File.ReadAllText(Path.Combine(EngineProcess.WorkerOutput, "fulfillment.runtimeconfig.json")));
        var options = runtimeConfig.RootElement.GetProperty("runtimeOptions");
        var frameworks = options.TryGetProperty("frameworks", out var list) ? list.EnumerateArray().ToList() : [options.GetProperty("framework")];

        Assert.Equal(["Microsoft.NETCore.App"], frameworks.Select(f => f.GetProperty("name").GetString()));
    }

    [Fact]
    public void No_simulator_aspnetcore_or_testcontainers_assembly_is_in_the_engines_output_or_its_dependencies()
    {
        var assemblies = Directory.EnumerateFiles(EngineProcess.WorkerOutput, "*.dll", SearchOption.AllDirectories)
            .Select(Path.GetFileName).Where(name => NotTheEngine().IsMatch(name!)).ToList();
        var dependencies = File.ReadAllText(Path.Combine(EngineProcess.WorkerOutput, "fulfillment.deps.json"));

        Assert.True(assemblies.Count == 0, "in the engine's build output: " + string.Join(", ", assemblies));
        Assert.DoesNotMatch(NotTheEngine(), dependencies);
        Assert.Contains("Fulfillment.Engine", dependencies, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"(?<![\w.])(Fulfillment\.Simulator|Fulfillment\.LocalPostgres|Fulfillment\.Demo|fulfillment-demo|Testcontainers|Docker\.DotNet|Microsoft\.AspNetCore)", RegexOptions.IgnoreCase)]
    private static partial Regex NotTheEngine();
}
