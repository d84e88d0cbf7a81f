namespace Fulfillment.Tests.Shared;

/// <summary>The checkout the tests and the benchmarks were built in: the one place that finds its root.</summary>
public static class Repository
{
    /// <summary>The repository root (where Fulfillment.sln is), found above the running binaries.</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Fulfillment.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("Fulfillment.sln not found above " + AppContext.BaseDirectory);
    }
}
