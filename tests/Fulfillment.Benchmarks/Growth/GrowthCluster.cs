using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Npgsql;

namespace Fulfillment.Benchmarks.Growth;

/// <summary>
/// A PostgreSQL cluster the <c>growth</c> verb owns: made with the machine's initdb, started and stopped with pg_ctl, and
/// copied while stopped (<c>cp -a</c>), so each size is seeded once and every try starts from the same files. It loads
/// <c>pg_stat_statements</c> for the database's work per statement, and is tuned as the tests' throwaway clusters are
/// (fsync off: it is thrown away). As root the binaries run as the <c>postgres</c> OS user, which PostgreSQL requires.
/// </summary>
public sealed class GrowthCluster
{
    public const string Database = "panel";
    private const string OsUser = "postgres";

    private GrowthCluster(string bin, string directory)
    {
        Bin = bin;
        Directory = directory;
    }

    public string Bin { get; }

    /// <summary>The cluster's own directory: its data directory (<c>data</c>), its socket and its log.</summary>
    public string Directory { get; }

    public int Port { get; private set; }

    public bool Running { get; private set; }

    public string ConnectionString => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = "postgres",
        Database = Database,
        IncludeErrorDetail = true,
    }.ConnectionString;

    /// <summary>The server's settings: those of the tests' throwaway clusters, plus pg_stat_statements (top-level statements only, so nothing is counted twice).</summary>
    public static readonly string[] Settings =
    [
        "listen_addresses=127.0.0.1", "fsync=off", "synchronous_commit=off", "full_page_writes=off", "max_connections=400", "shared_buffers=256MB",
        "autovacuum_naptime=10s", "shared_preload_libraries=pg_stat_statements", "pg_stat_statements.track=top", "pg_stat_statements.max=10000",
    ];

    private static bool AsRoot => Environment.UserName == "root";

    /// <summary>A new cluster in <paramref name="directory"/> with an empty <see cref="Database"/> database that has pg_stat_statements.</summary>
    public static async Task<GrowthCluster> CreateAsync(string directory)
    {
        var bin = FindBin() ?? throw new InvalidOperationException("growth needs PostgreSQL's initdb and pg_ctl (on PATH or under /usr/lib/postgresql/*/bin)");
        System.IO.Directory.CreateDirectory(directory);
        if (AsRoot)
        {
            await RunAsync("chown", ["-R", OsUser, directory], asOsUser: false);
        }

        var cluster = new GrowthCluster(bin, directory);
        await RunAsync(Path.Combine(bin, "initdb"), ["-D", cluster.DataDirectory, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--locale=C"], AsRoot);
        await cluster.StartAsync();
        await using (var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { Database = "postgres", Pooling = false }.ConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {Database}", connection);
            await create.ExecuteNonQueryAsync();
        }

        await using (var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { Pooling = false }.ConnectionString))
        {
            await connection.OpenAsync();
            await using var extension = new NpgsqlCommand("CREATE EXTENSION pg_stat_statements", connection);
            await extension.ExecuteNonQueryAsync();
        }

        return cluster;
    }

    /// <summary>A copy of this stopped cluster's files in <paramref name="directory"/> (which must not exist).</summary>
    public async Task<GrowthCluster> CopyAsync(string directory)
    {
        if (Running)
        {
            throw new InvalidOperationException("a running cluster's files are not a consistent copy");
        }

        await RunAsync("cp", ["-a", Directory, directory], asOsUser: false);
        return new GrowthCluster(Bin, directory);
    }

    public string DataDirectory => Path.Combine(Directory, "data");

    public async Task StartAsync()
    {
        Port = FreePort();
        var options = string.Join(' ', new[] { $"-p {Port}", $"-k {Directory}" }.Concat(Settings.Select(s => "-c " + s)));
        await RunAsync(Path.Combine(Bin, "pg_ctl"), ["-D", DataDirectory, "-o", options, "-l", Path.Combine(Directory, "server.log"), "-w", "-t", "120", "start"], AsRoot);
        Running = true;
    }

    /// <summary>A fast shutdown: a clean stop (a checkpoint, as any shutdown writes), so the files can be copied.</summary>
    public async Task StopAsync()
    {
        if (!Running)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        await RunAsync(Path.Combine(Bin, "pg_ctl"), ["-D", DataDirectory, "-m", "fast", "-w", "-t", "300", "stop"], AsRoot);
        Running = false;
    }

    /// <summary>Stops the cluster if running and removes its files.</summary>
    public async Task DeleteAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            await RunAsync("rm", ["-rf", Directory], asOsUser: false);
        }
    }

    /// <summary>The size of the cluster's files, in MB.</summary>
    public long SizeMb() => new DirectoryInfo(DataDirectory).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length) / (1024 * 1024);

    private static string? FindBin()
    {
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")));
        if (onPath is not null)
        {
            return onPath;
        }

        const string debian = "/usr/lib/postgresql";
        return System.IO.Directory.Exists(debian)
            ? System.IO.Directory.GetDirectories(debian)
                .Select(d => (Dir: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
                .Where(x => File.Exists(Path.Combine(x.Dir, "initdb")))
                .OrderByDescending(x => x.Version)
                .Select(x => x.Dir)
                .FirstOrDefault()
            : null;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task RunAsync(string file, IReadOnlyList<string> arguments, bool asOsUser)
    {
        var start = new ProcessStartInfo { FileName = asOsUser ? "runuser" : file, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetTempPath() };
        foreach (var a in (asOsUser ? new[] { "-u", OsUser, "--", file } : []).Concat(arguments))
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var output = new StringBuilder().Append(await stdout).Append(await stderr);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} exited with {process.ExitCode}: {output}");
        }
    }
}
