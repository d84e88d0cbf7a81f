using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Fulfillment.Benchmarks.Shared;

/// <summary>
/// The shipped engine, <c>fulfillment run</c>, as its own process (the Worker's own build output, as an operator runs
/// it), with its configuration on the command line. Its resident memory is read from <c>/proc/PID/status</c>.
/// </summary>
public sealed class EngineProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private EngineProcess(Process process, string healthFile)
    {
        _process = process;
        HealthFile = healthFile;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public string HealthFile { get; }

    public bool HasExited => _process.HasExited;

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

    /// <summary>The Worker's build output beside this benchmark's: src/Fulfillment.Worker/bin/CONFIG/TFM/fulfillment.dll.</summary>
    public static string WorkerDll()
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var (tfm, configuration) = (here.Name, here.Parent!.Name);
        for (var dir = here; dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Fulfillment.sln")))
            {
                var dll = Path.Combine(dir.FullName, "src", "Fulfillment.Worker", "bin", configuration, tfm, "fulfillment.dll");
                if (File.Exists(dll))
                {
                    return dll;
                }

                throw new FileNotFoundException($"the engine is not built: {dll} (dotnet build -c {configuration} src/Fulfillment.Worker)");
            }
        }

        throw new DirectoryNotFoundException("no Fulfillment.sln above " + here.FullName);
    }

    /// <summary>Starts <c>fulfillment run</c> with <paramref name="settings"/> (<c>--Key=value</c>) and its own health file.</summary>
    public static EngineProcess Start(string name, IEnumerable<string> settings)
    {
        var healthFile = Path.Combine(Path.GetTempPath(), $"bench-{name}-{Guid.NewGuid():N}.json");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(WorkerDll());
        start.ArgumentList.Add("run");
        foreach (var setting in settings)
        {
            start.ArgumentList.Add(setting);
        }

        start.ArgumentList.Add($"--Fulfillment:Engine:InstanceName={name}");
        start.ArgumentList.Add($"--Fulfillment:Engine:HealthFile={healthFile}");
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        return new EngineProcess(Process.Start(start) ?? throw new InvalidOperationException("could not start the engine"), healthFile);
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

    /// <summary>Until the engine has written its health file (its instance row exists), or it exits, or the limit passes.</summary>
    public async Task WaitStartedAsync(TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (!File.Exists(HealthFile))
        {
            if (_process.HasExited || clock.Elapsed > limit)
            {
                throw new InvalidOperationException($"the engine did not start (exited: {_process.HasExited}):\n{Output}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>SIGTERM, as systemd stops it; killed if still running after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return;
        }

        using (var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", _process.Id.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false }))
        {
            await kill!.WaitForExitAsync();
        }

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

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            if (_output.Length < 200_000)
            {
                _output.AppendLine(line);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(30));
        _process.Dispose();
        File.Delete(HealthFile);
    }
}
