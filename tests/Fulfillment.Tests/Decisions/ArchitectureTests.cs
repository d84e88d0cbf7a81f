using System.Text.RegularExpressions;
using Fulfillment.Engine.Lifecycle;

namespace Fulfillment.Tests.Decisions;

/// <summary>
/// The engine's folders are its modules: the stages depend on the lifecycle module, not on each other,
/// the decisions are pure, and no namespace depends on itself through another. Read from the source.
/// </summary>
[Trait("Lane", "Fast")]
public sealed partial class ArchitectureTests
{
    private static readonly string EngineRoot = Path.Combine(Repository.Root, "src", "Fulfillment.Engine");

    /// <summary>The stages of an order's life: each talks to the lifecycle module, never to another stage.</summary>
    private static readonly string[] Stages = ["Dispatch", "Tracking", "Requests", "Blocking", "DripFeed"];

    private static Dictionary<string, HashSet<string>> Dependencies()
    {
        var modules = Directory.GetDirectories(EngineRoot).Select(Path.GetFileName).Where(d => d is not ("bin" or "obj")).ToHashSet()!;
        var graph = modules.ToDictionary(m => m!, _ => new HashSet<string>());
        foreach (var module in modules)
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(EngineRoot, module!), "*.cs", SearchOption.AllDirectories))
            {
                var text = File.ReadAllText(file);
                foreach (Match m in EngineReference().Matches(text))
                {
                    if (modules.Contains(m.Groups[1].Value) && m.Groups[1].Value != module)
                    {
                        graph[module!].Add(m.Groups[1].Value);
                    }
                }
            }
        }

        return graph;
    }

    [Fact]
    public void No_engine_namespace_depends_on_itself_through_another()
    {
        var graph = Dependencies();
        foreach (var module in graph.Keys)
        {
            var seen = new HashSet<string>();
            var stack = new Stack<string>(graph[module]);
            while (stack.TryPop(out var next))
            {
                Assert.False(next == module, $"{module} depends on itself through {string.Join(", ", seen)}");
                if (seen.Add(next))
                {
                    foreach (var dependency in graph[next])
                    {
                        stack.Push(dependency);
                    }
                }
            }
        }
    }

    [Fact]
    public void The_stages_depend_on_the_lifecycle_module_not_on_each_other()
    {
        var graph = Dependencies();
        foreach (var stage in Stages)
        {
            Assert.Contains("Lifecycle", graph[stage]);
            Assert.Empty(graph[stage].Intersect(Stages));
        }
    }

    [Fact]
    public void The_decisions_are_pure_code()
    {
        var files = Directory.EnumerateFiles(Path.Combine(EngineRoot, "Lifecycle", "Decisions"), "*.cs").ToList();

        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var text = File.ReadAllText(file);
            Assert.False(text.Contains("Npgsql", StringComparison.Ordinal) || text.Contains("await ", StringComparison.Ordinal)
                || text.Contains("TimeProvider", StringComparison.Ordinal), $"{Path.GetFileName(file)} does I/O or reads a clock");
        }
    }

    [Fact]
    public void The_trigger_that_releases_held_orders_is_named_where_the_lifecycle_is()
    {
        var sql = File.ReadAllText(Path.Combine(Repository.Root, "src", "Fulfillment.Data", "Sql", "triggers", OrderLifecycle.ReleaseHeldTrigger + ".sql"));

        Assert.Contains($"CREATE TRIGGER {OrderLifecycle.ReleaseHeldTrigger} ", sql, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"Fulfillment\.Engine\.(\w+)")]
    private static partial Regex EngineReference();
}
