using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Fulfillment.Benchmarks.Reference;

/// <summary>
/// <see cref="ReferenceEngine"/> in its own process (this binary's <c>reference</c> verb), so its CPU is its own, as the engine's
/// is when it runs as <c>fulfillment run</c>.
/// </summary>
public sealed class ReferenceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ReferenceProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

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

    public static ReferenceProcess Start(string connectionString, int maxConcurrency, int batchSize)
    {
        var dll = typeof(ReferenceEngine).Assembly.Location;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[]
                 {
                     dll, "reference", "--connection", connectionString,
                     "--max-concurrency", maxConcurrency.ToString(CultureInfo.InvariantCulture), "--batch-size", batchSize.ToString(CultureInfo.InvariantCulture),
                 })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        return new ReferenceProcess(Process.Start(start) ?? throw new InvalidOperationException("could not start the reference"));
    }

    /// <summary>Until it listens and has claimed what was placed before it did.</summary>
    public async Task WaitReadyAsync(TimeSpan limit)
    {
        if (await Task.WhenAny(_ready.Task, _process.WaitForExitAsync(), Task.Delay(limit)) != _ready.Task)
        {
            throw new InvalidOperationException($"the reference did not start (exited: {_process.HasExited}):\n{Output}");
        }
    }

    /// <summary>CPU seconds used so far (user + system).</summary>
    public double CpuSeconds()
    {
        _process.Refresh();
        return _process.TotalProcessorTime.TotalSeconds;
    }

    /// <summary>SIGTERM: it sends and records what it claimed, then exits; killed if still running after 30 s.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            using (var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", Id.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false }))
            {
                await kill!.WaitForExitAsync();
            }

            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await _process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }

        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            if (_output.Length < 100_000)
            {
                _output.AppendLine(line);
            }
        }

        if (line == ReferenceEngine.ReadyLine)
        {
            _ready.TrySetResult();
        }
    }
}
