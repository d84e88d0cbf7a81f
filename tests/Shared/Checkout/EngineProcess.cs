using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Fulfillment.Tests.Shared;

/// <summary>
/// The engine binary run as a separate process, as an operator or systemd runs it: the Worker's own build output in the
/// configuration these binaries were built in, its output captured. Also any other program started the same way (the
/// demo, <c>dotnet run</c>). Tests and benchmarks both start the engine through this one class.
/// </summary>
/// <remarks>
/// <see cref="Dispose"/> kills the process at once (a test that ends, passing or failing, leaves nothing running);
/// <see cref="DisposeAsync"/> stops it as systemd does, SIGTERM and then a grace period.
/// </remarks>
public sealed class EngineProcess : IDisposable, IAsyncDisposable
{
    /// <summary>The engine's assembly in the Worker's build output (<c>AssemblyName</c> of src/Fulfillment.Worker).</summary>
    public const string EngineAssembly = "fulfillment.dll";

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly int _outputLimit;
    private long _linesWritten;

    private EngineProcess(Process process, string? healthFile, int outputLimit)
    {
        _process = process;
        HealthFile = healthFile;
        _outputLimit = outputLimit;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>When the process was started: its <c>engine_instances</c> row says a later <c>started_at</c>.</summary>
    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    /// <summary>The health file of an engine started by <see cref="StartRun"/> (its own, removed on dispose); null otherwise.</summary>
    public string? HealthFile { get; }

    /// <summary>Every line the process has written (standard output and error) so far, however many <see cref="Output"/> kept.</summary>
    public long LinesWritten => Interlocked.Read(ref _linesWritten);

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

    /// <summary>The configuration these binaries were built in (Debug, Release), which the projects they start were built in too.</summary>
    public static string BuildConfiguration { get; } = OwnOutput().Parent!.Name;

    /// <summary>The Worker's own build output, not the copy beside the running binaries: a test project also runs on the
    /// ASP.NET Core framework (the simulator), so its folder lacks packages the engine needs.</summary>
    public static string WorkerOutput { get; } = Path.Combine(Repository.Root, "src", "Fulfillment.Worker", "bin", BuildConfiguration, OwnOutput().Name);

    /// <summary>Starts the engine with <paramref name="args"/> (a verb and <c>--Key=value</c> settings).</summary>
    public static EngineProcess Start(params string[] args) => Start(new Dictionary<string, string>(), args);

    /// <summary>Starts the engine with <paramref name="environment"/> added to this process's environment.</summary>
    public static EngineProcess Start(IReadOnlyDictionary<string, string> environment, params string[] args) =>
        Launch("dotnet", [EngineDll(), .. args], environment, workingDirectory: null, healthFile: null, int.MaxValue);

    /// <summary>
    /// Starts <c>fulfillment run</c> as instance <paramref name="name"/> with <paramref name="settings"/> (<c>--Key=value</c>)
    /// and a health file of its own (<see cref="WaitStartedAsync"/>). Keeps the first <paramref name="outputLimit"/>
    /// characters of its output: a long run at Information level need not keep all.
    /// </summary>
    public static EngineProcess StartRun(string name, IEnumerable<string> settings, int outputLimit = int.MaxValue)
    {
        var healthFile = Path.Combine(Path.GetTempPath(), $"engine-{name}-{Guid.NewGuid():N}.json");
        string[] args =
        [
            EngineDll(), "run", .. settings,
            $"--Fulfillment:Engine:InstanceName={name}",
            $"--Fulfillment:Engine:HealthFile={healthFile}",
        ];
        return Launch("dotnet", args, new Dictionary<string, string>(), workingDirectory: null, healthFile, outputLimit);
    }

    /// <summary>Starts another program the way this class starts the engine (the demo, <c>dotnet run</c>), from the repository root.</summary>
    public static EngineProcess StartCommand(string fileName, params string[] args) =>
        Launch(fileName, args, new Dictionary<string, string>(), Repository.Root, healthFile: null, int.MaxValue);

    /// <summary>
    /// The output's lines at error level or above, for an engine run with <c>--Fulfillment:Logging:Format=json</c>
    /// (compact JSON, level in <c>@l</c>), and every other line that is not such JSON (an unhandled exception's trace),
    /// except the configuration check's own <c>warning: </c> lines.
    /// </summary>
    public IReadOnlyList<string> ErrorLines() =>
        Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(IsError).ToList();

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        _process.WaitForExit(); // flushes the redirected output
        return _process.ExitCode;
    }

    /// <summary>Until the engine has written its health file (its instance row exists), or it exits, or the limit passes.</summary>
    public async Task WaitStartedAsync(TimeSpan limit)
    {
        var healthFile = HealthFile ?? throw new InvalidOperationException("only an engine started by StartRun has a health file of its own");
        var clock = Stopwatch.StartNew();
        while (!File.Exists(healthFile))
        {
            if (_process.HasExited || clock.Elapsed > limit)
            {
                throw new InvalidOperationException($"the engine did not start (exited: {_process.HasExited}):\n{Output}");
            }

            await Task.Delay(100);
        }
    }

    public void SendSigterm()
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", _process.Id.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false });
        kill!.WaitForExit();
    }

    /// <summary>SIGTERM, as systemd stops it; killed if still running after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return;
        }

        SendSigterm();
        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
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

    /// <summary>Resident memory now (VmRSS), in MB; NaN when unreadable.</summary>
    public double RssMb()
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
                }
            }
        }
        catch (IOException)
        {
            // Gone.
        }

        return double.NaN;
    }

    /// <summary>CPU seconds used so far (user + system).</summary>
    public double CpuSeconds()
    {
        try
        {
            _process.Refresh();
            return _process.TotalProcessorTime.TotalSeconds;
        }
        catch (InvalidOperationException)
        {
            return double.NaN;
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
        DeleteHealthFile();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(30));
        _process.Dispose();
        DeleteHealthFile();
    }

    private static DirectoryInfo OwnOutput() => new(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));

    private static string EngineDll()
    {
        var dll = Path.Combine(WorkerOutput, EngineAssembly);
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"the engine is not built: {dll} (dotnet build -c {BuildConfiguration} src/Fulfillment.Worker)");
    }

    private static EngineProcess Launch(string fileName, IEnumerable<string> args, IReadOnlyDictionary<string, string> environment, string? workingDirectory,
        string? healthFile, int outputLimit)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory ?? "" };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return new EngineProcess(Process.Start(start) ?? throw new InvalidOperationException($"could not start {fileName}"), healthFile, outputLimit);
    }

    private static bool IsError(string line)
    {
        try
        {
            using var json = JsonDocument.Parse(line);
            return json.RootElement.TryGetProperty("@l", out var level) && level.GetString() is "Error" or "Fatal";
        }
        catch (JsonException)
        {
            return !line.StartsWith("warning: ", StringComparison.Ordinal);
        }
    }

    private void DeleteHealthFile()
    {
        if (HealthFile is not null)
        {
            File.Delete(HealthFile);
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        Interlocked.Increment(ref _linesWritten);
        lock (_output)
        {
            if (_output.Length < _outputLimit)
            {
                _output.AppendLine(line);
            }
        }
    }
}
