namespace Fulfillment.Tests.Infrastructure;

public static class Repository
{
    /// <summary>The repository root (where Fulfillment.sln is), found from the test binaries.</summary>
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

        throw new InvalidOperationException("Fulfillment.sln not found above " + AppContext.BaseDirectory);
    }
}
