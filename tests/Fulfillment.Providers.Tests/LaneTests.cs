using System.Reflection;

namespace Fulfillment.Providers.Tests;

/// <summary>
/// Every test here runs in the fast lane (<c>dotnet test Fulfillment.sln --filter Lane=Fast</c>): this project has no
/// database to start (it references neither the data layer nor a PostgreSQL finder), only the client and the simulator.
/// </summary>
[Trait("Lane", "Fast")]
public sealed class LaneTests
{
    [Fact]
    public void Every_test_class_of_the_provider_client_is_in_the_fast_lane()
    {
        var classes = typeof(LaneTests).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && t.GetMethods().Any(m => m.GetCustomAttribute<FactAttribute>() is not null)).ToList();
        var outside = classes.Where(t => !t.GetCustomAttributesData().Any(a => a.AttributeType == typeof(TraitAttribute)
            && a.ConstructorArguments is [{ Value: "Lane" }, { Value: "Fast" }])).Select(t => t.Name).ToList();

        Assert.NotEmpty(classes);
        Assert.True(outside.Count == 0, "without [Trait(\"Lane\", \"Fast\")]: " + string.Join(", ", outside));
    }

    [Fact]
    public void No_database_assembly_is_referenced()
    {
        var referenced = typeof(LaneTests).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.Contains("Fulfillment.Providers", referenced);
        Assert.DoesNotContain(referenced, name => name is "Npgsql" or "Fulfillment.Data" or "Fulfillment.LocalPostgres");
    }
}
