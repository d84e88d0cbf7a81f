using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Fulfillment.Engine.Lifecycle;

namespace Fulfillment.Tests.Docs;

/// <summary>
/// The repository stands alone: a person who clones only it finds every document that the code, the
/// README, the changelog, the docs and the deploy files cite, and every heading a link points at. The
/// documents describe the product as it is (its history is in git), and the lifecycle page names the
/// moves of the code.
/// </summary>
[Trait("Lane", "Fast")]
public sealed partial class DocumentReferenceTests
{
    // This file names what it looks for, so it is the one file not searched for it.
    private const string ThisFile = "tests/Fulfillment.Tests/Docs/DocumentReferenceTests.cs";

    private static readonly Lazy<IReadOnlyList<string>> TrackedFiles = new(ListTrackedFiles);

    [Fact]
    public void No_file_cites_a_document_outside_the_repository()
    {
        var found = new List<string>();
        foreach (var file in TrackedFiles.Value.Where(f => f != ThisFile))
        {
            found.AddRange(Lines(file).Where(l => OutsideDocument().IsMatch(l.Text)).Select(l => $"{file}:{l.Number}: {l.Text.Trim()}"));
        }

        Assert.True(found.Count == 0, "documents outside the repository are cited (point them at docs/):\n" + string.Join('\n', found));
    }

    [Fact]
    public void Every_markdown_link_and_docs_mention_points_at_a_file_and_heading_that_exist()
    {
        var broken = new List<string>();
        var checkedLinks = 0;
        foreach (var file in TrackedFiles.Value.Where(f => Scanned(f) && f != ThisFile))
        {
            var directory = Path.GetDirectoryName(file) ?? "";
            var markdown = file.EndsWith(".md", StringComparison.Ordinal);
            foreach (var (number, text) in markdown ? OutsideCodeFences(file) : Lines(file))
            {
                var targets = DocsMention().Matches(text).Select(m => m.Value).ToList();
                if (markdown)
                {
                    targets.AddRange(MarkdownLink().Matches(text)
                        .Select(m => m.Groups["target"].Value)
                        .Where(t => !t.Contains("://", StringComparison.Ordinal) && !t.StartsWith("mailto:", StringComparison.Ordinal))
                        .Select(t => t.StartsWith('#') ? Path.GetFileName(file) + t : t)
                        .Select(t => Path.Combine(directory, t).Replace('\\', '/')));
                }

                foreach (var target in targets.Distinct())
                {
                    checkedLinks++;
                    if (Problem(target) is { } problem)
                    {
                        broken.Add($"{file}:{number}: {problem}");
                    }
                }
            }
        }

        Assert.True(broken.Count == 0, "broken references:\n" + string.Join('\n', broken));
        Assert.True(checkedLinks > 50, $"only {checkedLinks} references found: is the scan looking in the right place?");
    }

    [Fact]
    public void The_readme_shows_the_demo_and_the_test_command_that_CI_runs()
    {
        var lines = File.ReadAllLines(Path.Combine(Repository.Root, "README.md"));

        Assert.Contains("dotnet run --project src/Fulfillment.Demo", lines);
        Assert.Contains("dotnet test Fulfillment.sln", lines); // .ci/run runs exactly this line
    }

    [Fact]
    public void The_documents_speak_of_the_product_not_of_work_items_or_rounds()
    {
        var found = new List<string>();
        foreach (var file in TrackedFiles.Value.Where(f => f.EndsWith(".md", StringComparison.Ordinal) && (f.StartsWith("docs/", StringComparison.Ordinal) || !f.Contains('/'))))
        {
            found.AddRange(Lines(file).Where(l => History().IsMatch(l.Text)).Select(l => $"{file}:{l.Number}: {l.Text.Trim()}"));
        }

        Assert.True(found.Count == 0, "documents that name work items or rounds (history belongs in git):\n" + string.Join('\n', found));
    }

    [Fact]
    public void The_lifecycle_page_has_a_row_for_every_move_of_the_code_and_no_other()
    {
        var rows = File.ReadLines(Path.Combine(Repository.Root, "docs", "lifecycle.md"))
            .Select(l => MoveRow().Match(l)).Where(m => m.Success).Select(m => m.Groups["move"].Value).ToList();

        Assert.Equal(OrderLifecycle.All.Select(m => m.Name).Order(StringComparer.Ordinal), rows.Order(StringComparer.Ordinal));
    }

    private static bool Scanned(string file) =>
        (file.EndsWith(".md", StringComparison.Ordinal) && !file.Contains('/')) || file.StartsWith("docs/", StringComparison.Ordinal)
        || file.StartsWith("src/", StringComparison.Ordinal)
        || file.StartsWith("deploy/", StringComparison.Ordinal) || file.StartsWith("tests/", StringComparison.Ordinal);

    /// <summary>Why <paramref name="target"/> (a path from the repository root, maybe with #heading) does not resolve; null when it does.</summary>
    private static string? Problem(string target)
    {
        var hash = target.IndexOf('#', StringComparison.Ordinal);
        var path = Path.GetFullPath(Path.Combine(Repository.Root, hash < 0 ? target : target[..hash]));
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            return $"{target}: no such file";
        }

        if (hash < 0 || !path.EndsWith(".md", StringComparison.Ordinal))
        {
            return null;
        }

        var anchor = target[(hash + 1)..];
        return HeadingAnchors(path).Contains(anchor) ? null : $"{target}: no heading with anchor #{anchor}";
    }

    /// <summary>The anchors GitHub gives a file's headings: lower case, punctuation dropped, spaces as hyphens, repeats numbered.</summary>
    private static HashSet<string> HeadingAnchors(string path)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (_, text) in OutsideCodeFences(Path.GetRelativePath(Repository.Root, path)))
        {
            var heading = Heading().Match(text);
            if (!heading.Success)
            {
                continue;
            }

            var slug = new StringBuilder();
            foreach (var c in heading.Groups["title"].Value.Trim().ToLowerInvariant())
            {
                if (char.IsLetterOrDigit(c) || c is '-' or '_')
                {
                    slug.Append(c);
                }
                else if (c == ' ')
                {
                    slug.Append('-');
                }
            }

            var anchor = slug.ToString();
            for (var n = 1; !anchors.Add(anchor); n++)
            {
                anchor = $"{slug}-{n}";
            }
        }

        return anchors;
    }

    private static IEnumerable<(int Number, string Text)> Lines(string file) =>
        File.ReadLines(Path.Combine(Repository.Root, file)).Select((text, i) => (i + 1, text));

    private static IEnumerable<(int Number, string Text)> OutsideCodeFences(string file)
    {
        var fenced = false;
        foreach (var line in Lines(file))
        {
            if (line.Text.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                fenced = !fenced;
            }
            else if (!fenced)
            {
                yield return line;
            }
        }
    }

    /// <summary>The repository's files as git tracks them; without git (an exported tree), every file outside bin/ and obj/.</summary>
    private static IReadOnlyList<string> ListTrackedFiles()
    {
        List<string> files;
        try
        {
            var start = new ProcessStartInfo("git", ["-C", Repository.Root, "ls-files", "-z"]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var git = Process.Start(start)!;
            var output = git.StandardOutput.ReadToEnd();
            git.WaitForExit();
            files = git.ExitCode == 0 ? [.. output.Split('\0', StringSplitOptions.RemoveEmptyEntries)] : Walk();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            files = Walk(); // no git on this machine
        }

        return [.. files.Where(f => File.Exists(Path.Combine(Repository.Root, f)) && IsText(f))];

        static List<string> Walk() =>
        [
            .. Directory.EnumerateFiles(Repository.Root, "*", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(Repository.Root, f).Replace('\\', '/'))
                .Where(f => !f.Split('/').Any(part => part is "bin" or "obj" or ".git" or "TestResults")),
        ];
    }

    private static bool IsText(string file)
    {
        using var stream = File.OpenRead(Path.Combine(Repository.Root, file));
        var head = new byte[8000];
        var read = stream.Read(head, 0, head.Length);
        return Array.IndexOf(head, (byte)0, 0, read) < 0;
    }

    /// <summary>The documents this repository used to cite from a folder beside it.</summary>
    [GeneratedRegex(@"\.\./shared|shared/(docs|seeds)|\.\./seeds|DOMAIN\.md|PANEL-CONTRACT|STYLE\.md")]
    private static partial Regex OutsideDocument();

    /// <summary>A file under docs/ named in prose or a comment, with an optional #heading.</summary>
    [GeneratedRegex(@"(?<![\w./-])docs/[\w.-]+\.md(#[\w-]+)?")]
    private static partial Regex DocsMention();

    [GeneratedRegex(@"issue *#?[0-9]+|(this|last|next|previous|second|third) round", RegexOptions.IgnoreCase)]
    private static partial Regex History();

    /// <summary>A row of the lifecycle page's table of moves: its first cell is the move's name, then the states it leaves.</summary>
    [GeneratedRegex(@"^\| `(?<move>[a-z_]+)` \| `(pending|held|dispatching|in_progress|review)`")]
    private static partial Regex MoveRow();

    [GeneratedRegex(@"\]\((?<target>[^)\s]+)\)")]
    private static partial Regex MarkdownLink();

    [GeneratedRegex(@"^#{1,6}\s+(?<title>.+?)\s*#*$")]
    private static partial Regex Heading();
}
