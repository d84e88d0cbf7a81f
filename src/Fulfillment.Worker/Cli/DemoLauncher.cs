using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Fulfillment.Worker.Cli;

/// <summary>
/// <c>demo</c>. The demo is its own program, src/Fulfillment.Demo (<c>fulfillment-demo</c>): it carries the
/// provider simulator (ASP.NET Core) and Testcontainers, which the engine's binary must not. The verb stays,
/// since it is a public name (docs/contract.md), and starts the demo where it finds it: its assembly next to
/// this binary, else a source checkout around the working directory or this binary (with <c>dotnet run</c>).
/// </summary>
public static class DemoLauncher
{
    public const string AssemblyFile = "fulfillment-demo.dll";

    public static readonly string ProjectFile = Path.Combine("src", "Fulfillment.Demo", "Fulfillment.Demo.csproj");

    public const string NotAvailable = """
        fulfillment demo: the demo ships separately from the engine: it needs the provider simulator and a
        throwaway PostgreSQL, which the engine's binary does not carry, and neither fulfillment-demo.dll next
        to this binary nor a source checkout (src/Fulfillment.Demo) around it was found. From a checkout of
        the repository, run:

          dotnet run --project src/Fulfillment.Demo
        """;

    public static Task<int> RunAsync(string[] args) =>
        RunAsync(args, AppContext.BaseDirectory, Directory.GetCurrentDirectory(), Console.Error);

    public static async Task<int> RunAsync(string[] args, string ownDirectory, string workingDirectory, TextWriter error)
    {
        var start = Locate(ownDirectory, workingDirectory, args);
        if (start is null)
        {
            await error.WriteLineAsync(NotAvailable);
            return EngineCommandLine.Failed;
        }

        var what = start.ArgumentList[0] == "run" ? $"dotnet run --project {start.ArgumentList[2]}" : start.ArgumentList[0];
        await error.WriteLineAsync($"fulfillment demo: running {what}");
        return await RunToEndAsync(start);
    }

    /// <summary>How to start the demo with <paramref name="args"/>, or null when it is nowhere at hand.</summary>
    public static ProcessStartInfo? Locate(string ownDirectory, string workingDirectory, IReadOnlyList<string> args)
    {
        var assembly = Path.Combine(ownDirectory, AssemblyFile);
        if (File.Exists(assembly))
        {
            return Dotnet([assembly, .. args]);
        }

        foreach (var start in new[] { workingDirectory, ownDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                var project = Path.Combine(directory.FullName, ProjectFile);
                if (File.Exists(project))
                {
                    // The configuration this binary was built in, so a Release engine runs a Release demo
                    // and an up-to-date checkout is not built again in another configuration.
                    var configuration = typeof(DemoLauncher).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration;
                    string[] build = string.IsNullOrEmpty(configuration) ? [] : ["-c", configuration];
                    return Dotnet(["run", "--project", project, .. build, "--", .. args]);
                }
            }
        }

        return null;
    }

    private static ProcessStartInfo Dotnet(IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(DotnetHost()) { UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    /// <summary>The dotnet host running this process, else the one this runtime was installed with, else dotnet on PATH.</summary>
    private static string DotnetHost()
    {
        var self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            return self;
        }

        // The runtime lives in <root>/shared/Microsoft.NETCore.App/<version>/, the host in <root>.
        var root = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        var host = Path.Combine(root, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
        return File.Exists(host) ? host : "dotnet";
    }

    private static async Task<int> RunToEndAsync(ProcessStartInfo start)
    {
        // Ctrl+C reaches the demo as well (one process group): let it clean up and report, and report what it says.
        ConsoleCancelEventHandler wait = (_, e) => e.Cancel = true;
        Console.CancelKeyPress += wait;
        try
        {
            using var demo = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
            await demo.WaitForExitAsync();
            return demo.ExitCode;
        }
        finally
        {
            Console.CancelKeyPress -= wait;
        }
    }
}
