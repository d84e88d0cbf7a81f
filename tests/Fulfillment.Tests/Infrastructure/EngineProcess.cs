using System.Diagnostics;
using System.Text;
using Fulfillment.Worker.Cli;

namespace Fulfillment.Tests.Infrastructure;

/// <summary>The engine binary run as a separate process, as an operator or systemd runs it.</summary>
public sealed class EngineProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private EngineProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>When the process was started: its <c>engine_instances</c> row says a later <c>started_at</c>.</summary>
    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>The configuration these tests were built in (Debug, Release), which the projects they start were built in too.</summary>
    public static string BuildConfiguration { get; } = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    /// <summary>The Worker's own build output, not the copy beside the tests: the test project also runs on
    /// the ASP.NET Core framework (the simulator), so its folder lacks packages the engine needs.</summary>
    public static string WorkerOutput { get; } = Path.Combine(Repository.Root, "src", "Fulfillment.Worker", "bin", BuildConfiguration, "net10.0");

    public static EngineProcess Start(params string[] args) => Start(new Dictionary<string, string>(), args);

    /// <summary>Starts the engine with <paramref name="environment"/> added to this process's environment.</summary>
    public static EngineProcess Start(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var dll = Path.Combine(WorkerOutput, Path.GetFileName(typeof(EngineCommandLine).Assembly.Location));
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return new EngineProcess(Process.Start(start)!);
    }

    /// <summary>Starts another program the way this class starts the engine (the demo, <c>dotnet run</c>), its output captured.</summary>
    public static EngineProcess StartCommand(string fileName, params string[] args)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Repository.Root };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        return new EngineProcess(Process.Start(start)!);
    }

    /// <summary>
    /// The output's lines at error level or above, for an engine run with <c>--Fulfillment:Logging:Format=json</c>
    /// (compact JSON, level in <c>@l</c>), and every other line that is not such JSON (an unhandled exception's trace),
    /// except the configuration check's own <c>warning: </c> lines.
    /// </summary>
    public IReadOnlyList<string> ErrorLines() =>
        Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(IsError).ToList();

    private static bool IsError(string line)
    {
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(line);
            return json.RootElement.TryGetProperty("@l", out var level) && level.GetString() is "Error" or "Fatal";
        }
        catch (System.Text.Json.JsonException)
        {
            return !line.StartsWith("warning: ", StringComparison.Ordinal);
        }
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        _process.WaitForExit(); // flushes the redirected output
        return _process.ExitCode;
    }

    public void SendSigterm()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>SIGKILL: no shutdown, no cleanup, as a crash or the OOM killer would.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
