using System.Reflection;
using System.Text.RegularExpressions;

namespace Fulfillment.Tests.Suite;

/// <summary>
/// The fast lane (<c>dotnet test Fulfillment.sln --filter Lane=Fast</c>) starts no PostgreSQL. Every database of these tests
/// comes from tests/Fulfillment.Tests/Infrastructure (the shared server, the fixtures that copy its template, a server of a
/// class's own, the harness on them): a fast class takes no fixture, joins no collection, and its source does not use that
/// namespace.
/// </summary>
[Trait("Lane", "Fast")]
public sealed partial class TestLaneTests
{
    private static readonly string DatabaseNamespace = typeof(Infrastructure.DatabaseFixture).Namespace!;

    private static readonly Type[] FastClasses = [.. typeof(TestLaneTests).Assembly.GetTypes().Where(t => IsTestClass(t) && InFastLane(t))];

    [Fact]
    public void The_fast_lane_has_the_pure_decision_configuration_and_architecture_tests()
    {
        var fast = FastClasses.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);

        Assert.Superset(new HashSet<string>(["DecisionTests", "FailoverDecisionTests", "LinkNormalizerTests", "ConfigurationCheckTests", "ArchitectureTests", "TestLaneTests"],
            StringComparer.Ordinal), fast);
        Assert.DoesNotContain("KillLoopTests", fast);
    }

    [Fact]
    public void No_test_class_in_the_fast_lane_takes_a_fixture_or_joins_a_collection()
    {
        var offenders = new List<string>();
        foreach (var type in FastClasses)
        {
            var fixtures = type.GetInterfaces()
                .Where(i => i.IsGenericType && (i.GetGenericTypeDefinition() == typeof(IClassFixture<>) || i.GetGenericTypeDefinition() == typeof(ICollectionFixture<>)))
                .Select(i => i.GetGenericArguments()[0].Name).ToList();
            var parameters = type.GetConstructors().SelectMany(c => c.GetParameters()).Select(p => p.ParameterType.Name).ToList();
            if (fixtures.Count > 0 || parameters.Count > 0 || type.GetCustomAttribute<CollectionAttribute>() is not null || typeof(IAsyncLifetime).IsAssignableFrom(type))
            {
                offenders.Add($"{type.Name} (fixtures: {string.Join(", ", fixtures)}; constructor: {string.Join(", ", parameters)})");
            }
        }

        Assert.True(offenders.Count == 0, "in the fast lane with a fixture, a collection or a lifetime of their own: " + string.Join("; ", offenders));
    }

    [Fact]
    public void No_source_file_of_a_fast_test_class_uses_the_database_infrastructure()
    {
        var sources = Directory.EnumerateFiles(Path.Combine(Repository.Root, "tests", "Fulfillment.Tests"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            .Select(f => (File: f, Text: File.ReadAllText(f))).ToList();
        var offenders = new List<string>();
        foreach (var type in FastClasses)
        {
            var declaring = sources.Where(s => Regex.IsMatch(s.Text, $@"\bclass {type.Name}\b")).ToList();
            Assert.True(declaring.Count > 0, $"no source file declares {type.Name}");
            offenders.AddRange(declaring.Where(s => s.Text.Contains(DatabaseNamespace, StringComparison.Ordinal))
                .Select(s => $"{type.Name} in {Path.GetRelativePath(Repository.Root, s.File)}"));
        }

        Assert.True(offenders.Count == 0, $"fast test classes whose source uses {DatabaseNamespace}: " + string.Join("; ", offenders));
    }

    private static bool IsTestClass(Type type) =>
        type is { IsClass: true, IsAbstract: false } && type.GetMethods().Any(m => m.GetCustomAttribute<FactAttribute>() is not null);

    /// <summary>A class whose tests, or some of them, carry <c>[Trait("Lane", "Fast")]</c>.</summary>
    private static bool InFastLane(Type type) => IsFast(type) || type.GetMethods().Any(IsFast);

    private static bool IsFast(MemberInfo member) =>
        member.GetCustomAttributesData().Any(a => a.AttributeType == typeof(TraitAttribute) && a.ConstructorArguments is [{ Value: "Lane" }, { Value: "Fast" }]);
}
