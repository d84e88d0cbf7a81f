using System.Reflection;
using System.Text.RegularExpressions;
using Fulfillment.Engine.Lifecycle;
using Fulfillment.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Fulfillment.Tests.Decisions;

/// <summary>
/// The shape a newcomer can read: small files and methods, one writer of an order's status, its holds and its attempts, and
/// lifecycle records that carry values only. Read from the source (Roslyn) and the engine's types.
/// </summary>
public sealed partial class CodeShapeTests
{
    private const int MaxFileLines = 300;
    private const int MaxMethodLines = 60;

    /// <summary>The files allowed to write orders.status, orders.held_by and order_attempts: the lifecycle's writers.</summary>
    private static readonly string[] Writers =
        ["OrderWriter.cs", "DispatchWrites.cs", "ProgressWrites.cs", "RunWriter.cs", "OrderReviews.cs", "OrderFinisher.cs", "AttemptWriter.cs", "HeldReleases.cs"];

    /// <summary>Every hand-written C# file of src/ (migrations are generated).</summary>
    private static IEnumerable<string> SourceFiles(string under = "src") =>
        Directory.EnumerateFiles(Path.Combine(Repository.Root, under), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}Migrations{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    private static string Relative(string file) => Path.GetRelativePath(Repository.Root, file);

    [Fact]
    public void No_hand_written_file_in_src_is_over_300_lines()
    {
        var files = SourceFiles().ToList();
        var tooLong = files.Select(f => (File: Relative(f), Lines: File.ReadAllLines(f).Length)).Where(f => f.Lines > MaxFileLines).ToList();

        Assert.True(files.Count > 100, "the source was not found");
        Assert.True(tooLong.Count == 0, "Over 300 lines: " + string.Join(", ", tooLong.Select(f => $"{f.File} ({f.Lines})")));
    }

    [Fact]
    public void No_method_in_src_is_over_60_lines()
    {
        var tooLong = new List<string>();
        foreach (var file in SourceFiles())
        {
            var root = CSharpSyntaxTree.ParseText(File.ReadAllText(file)).GetRoot();
            foreach (var member in root.DescendantNodes().Where(n => n is BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax or AccessorDeclarationSyntax))
            {
                var span = member.GetLocation().GetLineSpan();
                var lines = span.EndLinePosition.Line - span.StartLinePosition.Line + 1;
                if (lines > MaxMethodLines)
                {
                    tooLong.Add($"{Relative(file)}:{span.StartLinePosition.Line + 1} {Name(member)} ({lines})");
                }
            }
        }

        Assert.True(tooLong.Count == 0, "Methods over 60 lines: " + string.Join(", ", tooLong));
    }

    [Fact]
    public void Only_the_lifecycle_writers_write_an_orders_status_its_hold_or_its_attempts()
    {
        var engine = Path.Combine(Repository.Root, "src", "Fulfillment.Engine");
        var writers = new List<string>();
        foreach (var file in SourceFiles(Path.Combine("src", "Fulfillment.Engine")))
        {
            if (Relative(file).StartsWith(Path.Combine("src", "Fulfillment.Engine", "Lifecycle"), StringComparison.Ordinal) && Writers.Contains(Path.GetFileName(file)))
            {
                continue;
            }

            var sql = string.Join("\n", CSharpSyntaxTree.ParseText(File.ReadAllText(file)).GetRoot().DescendantNodes()
                .Where(n => n is LiteralExpressionSyntax { RawKind: (int)SyntaxKind.StringLiteralExpression } or InterpolatedStringExpressionSyntax)
                .Select(n => n.ToString()));
            if (StatusWrite().IsMatch(sql) || AttemptWrite().IsMatch(sql))
            {
                writers.Add(Path.GetRelativePath(engine, file));
            }
        }

        Assert.True(Directory.Exists(engine));
        Assert.True(writers.Count == 0, "Writes orders.status, held_by or order_attempts outside the lifecycle's writers: " + string.Join(", ", writers));
    }

    [Fact]
    public void The_status_writer_rule_catches_a_write_it_is_meant_to_catch()
    {
        Assert.Matches(StatusWrite(), "UPDATE orders SET status = 'pending' WHERE id = $1");
        Assert.Matches(StatusWrite(), "UPDATE orders o SET held_by = NULL, updated_at = $2 FROM x");
        Assert.Matches(AttemptWrite(), "INSERT INTO order_attempts (order_id) VALUES ($1)");
        Assert.DoesNotMatch(StatusWrite(), "UPDATE orders SET next_check_at = $3 FROM due WHERE o.status = 'in_progress'");
    }

    [Fact]
    public void Lifecycle_records_carry_values_only_never_a_data_access_type()
    {
        var lifecycle = typeof(OrderChange).Assembly.GetTypes()
            .Where(t => t.Namespace?.StartsWith("Fulfillment.Engine.Lifecycle", StringComparison.Ordinal) == true && IsRecord(t)).ToList();
        var offending = lifecycle.SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => (t, p.PropertyType))
                .Concat(t.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly)
                    .SelectMany(m => m.GetParameters().Select(x => (t, x.ParameterType)))))
            .Where(x => IsDataAccess(x.Item2)).Select(x => $"{x.t.Name}: {x.Item2.Name}").Distinct().ToList();

        Assert.Contains(lifecycle, t => t == typeof(ClaimedOrder));
        Assert.True(offending.Count == 0, "Lifecycle records with data-access types: " + string.Join(", ", offending));
    }

    private static bool IsRecord(Type type) => type.GetMethod("<Clone>$") is not null;

    private static bool IsDataAccess(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? (type.IsArray ? type.GetElementType()! : type);
        if (t.IsGenericType)
        {
            return t.GetGenericArguments().Any(IsDataAccess);
        }

        return t.Namespace is { } ns && (ns.StartsWith("Npgsql", StringComparison.Ordinal) || ns.StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal)
            || ns.StartsWith("System.Data", StringComparison.Ordinal));
    }

    private static string Name(SyntaxNode member) => member switch
    {
        MethodDeclarationSyntax m => m.Identifier.Text,
        ConstructorDeclarationSyntax c => c.Identifier.Text,
        LocalFunctionStatementSyntax l => l.Identifier.Text,
        AccessorDeclarationSyntax a => a.Keyword.Text,
        _ => member.Kind().ToString(),
    };

    [GeneratedRegex(@"UPDATE\s+orders\b(?:(?!;|\bWHERE\b)[\s\S])*?\bSET\b(?:(?!\bWHERE\b|\bFROM\b|;)[\s\S])*?\b(status|held_by)\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex StatusWrite();

    [GeneratedRegex(@"(INSERT\s+INTO|UPDATE)\s+order_attempts\b", RegexOptions.IgnoreCase)]
    private static partial Regex AttemptWrite();
}
