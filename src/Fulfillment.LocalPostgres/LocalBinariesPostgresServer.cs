using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Npgsql;

namespace Fulfillment.LocalPostgres;

/// <summary>
/// A throwaway cluster from the machine's own initdb and pg_ctl, in a temporary directory,
/// listening on a free loopback port, tuned for speed (fsync off: it is thrown away).
/// As root, PostgreSQL refuses to run, so the binaries run as the <c>postgres</c> OS user.
/// </summary>
internal sealed class LocalBinariesPostgresServer : PostgresServer
{
    private const string OsUser = "postgres";
    private readonly string _dataDirectory;
    private readonly string _root;
    private string _serverOptions = "";
    private int _disposed;

    private LocalBinariesPostgresServer(string binDirectory, string root, int port)
    {
        BinDirectory = binDirectory;
        _root = root;
        _dataDirectory = Path.Combine(root, "data");
        Port = port;
        AdminConnectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = port,
            Username = "postgres",
            Database = "postgres",
            MaxPoolSize = 200,
            IncludeErrorDetail = true, // a throwaway server: its error details help more than they expose
        }.ConnectionString;
    }

    public string BinDirectory { get; }
    public int Port { get; }
    public override string AdminConnectionString { get; }
    public override string Source => "local binaries";

    public static async Task<LocalBinariesPostgresServer> StartAsync(CancellationToken ct)
    {
        var bin = FindBinDirectory() ?? throw new InvalidOperationException(
            "No PostgreSQL server found: set " + EnvironmentVariable + " to an admin connection string, start a Docker engine, " +
            "or install PostgreSQL (initdb and pg_ctl on PATH or under /usr/lib/postgresql/*/bin).");
        var root = Path.Combine(Path.GetTempPath(), "fulfillment-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            await RunAsync("chown", ["-R", OsUser, root], asOsUser: false, ct);
        }

        var server = new LocalBinariesPostgresServer(bin, root, FreePort());
        await RunAsync(Path.Combine(bin, "initdb"),
            ["-D", server._dataDirectory, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--locale=C"], asRoot, ct);
        server._serverOptions = string.Join(' ',
            $"-p {server.Port}", $"-k {root}", "-c listen_addresses=127.0.0.1", "-c fsync=off",
            "-c synchronous_commit=off", "-c full_page_writes=off", "-c max_connections=400", "-c shared_buffers=256MB");
        await server.PgCtlStartAsync(ct);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Stop();
        return server;
    }

    public override bool CanRestart => true;

    /// <summary>A fast shutdown (every session is terminated, as in a failover or a DBA's restart), then a start on the same port.</summary>
    public override async Task RestartAsync(CancellationToken ct = default)
    {
        await RunAsync(Path.Combine(BinDirectory, "pg_ctl"), ["-D", _dataDirectory, "-m", "fast", "-w", "-t", "60", "stop"], Environment.UserName == "root", ct);
        await PgCtlStartAsync(ct);
        NpgsqlConnection.ClearAllPools(); // this process's pooled connections to it were all cut
    }

    private Task PgCtlStartAsync(CancellationToken ct) => RunAsync(Path.Combine(BinDirectory, "pg_ctl"),
        ["-D", _dataDirectory, "-o", _serverOptions, "-l", Path.Combine(_root, "server.log"), "-w", "-t", "60", "start"], Environment.UserName == "root", ct);

    public override ValueTask DisposeAsync()
    {
        Stop();
        return ValueTask.CompletedTask;
    }

    private void Stop()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        try
        {
            RunAsync(Path.Combine(BinDirectory, "pg_ctl"), ["-D", _dataDirectory, "-m", "immediate", "-w", "stop"],
                Environment.UserName == "root", CancellationToken.None).GetAwaiter().GetResult();
        }
        finally
        {
            try
            {
                Directory.Delete(_root, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp directory is harmless; the server itself is stopped.
            }
        }
    }

    internal static string? FindBinDirectory()
    {
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")));
        if (onPath is not null)
        {
            return onPath;
        }

        const string debianRoot = "/usr/lib/postgresql";
        if (!Directory.Exists(debianRoot))
        {
            return null;
        }

        return Directory.GetDirectories(debianRoot)
            .Select(d => (Dir: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
            .Where(x => File.Exists(Path.Combine(x.Dir, "initdb")))
            .OrderByDescending(x => x.Version)
            .Select(x => x.Dir)
            .FirstOrDefault();
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task RunAsync(string file, IReadOnlyList<string> arguments, bool asOsUser, CancellationToken ct)
    {
        var start = new ProcessStartInfo
        {
            FileName = asOsUser ? "runuser" : file,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        if (asOsUser)
        {
            foreach (var a in new[] { "-u", OsUser, "--", file })
            {
                start.ArgumentList.Add(a);
            }
        }

        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
        var output = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        output.Append(await stdout).Append(await stderr);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} exited with {process.ExitCode}: {output}");
        }
    }
}
