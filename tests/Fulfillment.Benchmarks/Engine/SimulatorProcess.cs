using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Fulfillment.Simulator;

namespace Fulfillment.Benchmarks.Engine;

/// <summary>
/// The provider simulator in its own process (the standalone binary beside this one), driven over its
/// <c>/_sim</c> control endpoints. Keeps the simulator's CPU and memory out of the engine's process, as
/// a real provider would be.
/// </summary>
public sealed partial class SimulatorProcess : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly Process _process;
    private readonly HttpClient _control;

    private SimulatorProcess(Process process, Uri root)
    {
        _process = process;
        Root = root;
        _control = new HttpClient { BaseAddress = root, Timeout = TimeSpan.FromMinutes(2) };
    }

    public Uri Root { get; }

    public Uri ApiUrl => new(Root, "api/v2");

    /// <summary>Starts the simulator on a free loopback port with <paramref name="settings"/> as <c>--Simulator:*</c> values.</summary>
    public static async Task<SimulatorProcess> StartAsync(string key, IReadOnlyDictionary<string, string> settings)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, Path.GetFileName(typeof(ProviderSimulator).Assembly.Location));
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { dll, "--urls", "http://127.0.0.1:0", "--key", key })
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in settings)
        {
            start.ArgumentList.Add($"--{SimulatorSettings.Section}:{name}={value}");
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the simulator");
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new System.Text.StringBuilder();
        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(line);
            }

            if (Listening().Match(line) is { Success: true } m)
            {
                listening.TrySetResult(new Uri(m.Groups[1].Value.TrimEnd('/') + "/"));
            }
        }

        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var exited = process.WaitForExitAsync();
        if (await Task.WhenAny(listening.Task, exited, Task.Delay(TimeSpan.FromSeconds(30))) != listening.Task)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException("the simulator did not start:\n" + output);
        }

        return new SimulatorProcess(process, await listening.Task);
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex Listening();

    /// <summary>Changes settings while it runs (POST <c>/_sim/settings</c>).</summary>
    public async Task SetAsync(object changes)
    {
        using var response = await _control.PostAsJsonAsync("_sim/settings", changes);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Requests of <paramref name="action"/> received so far (counted even when not recorded).</summary>
    public async Task<long> CountAsync(string action)
    {
        using var document = JsonDocument.Parse(await _control.GetStringAsync("_sim/record/counts"));
        return document.RootElement.GetProperty("actions").TryGetProperty(action, out var count) ? count.GetInt64() : 0;
    }

    /// <summary>Every recorded request of <paramref name="action"/>.</summary>
    public async Task<IReadOnlyList<RecordedRequest>> RequestsAsync(string action) =>
        await _control.GetFromJsonAsync<List<RecordedRequest>>(
            $"_sim/record?action={Uri.EscapeDataString(action)}&limit={int.MaxValue.ToString(CultureInfo.InvariantCulture)}", Json) ?? [];

    public async Task ClearRecordAsync()
    {
        using var response = await _control.DeleteAsync("_sim/record");
        response.EnsureSuccessStatusCode();
    }

    /// <summary>The simulator process's peak working set so far, in MB (from /proc; NaN where unavailable).</summary>
    public double PeakWorkingSetMb()
    {
        _process.Refresh();
        return _process.PeakWorkingSet64 / (1024.0 * 1024.0);
    }

    /// <summary>The simulator process's CPU seconds so far.</summary>
    public double CpuSeconds()
    {
        _process.Refresh();
        return _process.TotalProcessorTime.TotalSeconds;
    }

    public async ValueTask DisposeAsync()
    {
        _control.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
