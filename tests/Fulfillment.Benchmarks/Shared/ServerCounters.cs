using System.Globalization;
using Npgsql;

namespace Fulfillment.Benchmarks.Shared;

/// <summary>
/// What the server wrote, read from the server: the WAL position (<c>pg_current_wal_lsn()</c>) and each table's rows
/// inserted, updated and deleted (<c>pg_stat_user_tables</c>). Take one snapshot before and one after a phase; the
/// difference is the phase's cost.
/// </summary>
/// <remarks>
/// Backends publish their table counters at transaction end only if a second has passed since their last flush, else
/// within ten seconds of going idle (PostgreSQL 15+), or when they exit. <see cref="TakeAsync"/> therefore closes the
/// idle connections of this process's connection-string pools (their backends flush as they exit) and waits eleven
/// seconds, for the backends of pools it cannot close (data sources, other processes).
/// </remarks>
public sealed record ServerCounters(long WalLsn, IReadOnlyDictionary<string, (long Ins, long Upd, long Del)> Tables)
{
    public static async Task<ServerCounters> TakeAsync(string connectionString, bool flushPools = true)
    {
        if (flushPools)
        {
            NpgsqlConnection.ClearAllPools();
            await Task.Delay(TimeSpan.FromSeconds(11));
        }

        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        long lsn;
        await using (var command = new NpgsqlCommand("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn", connection))
        {
            lsn = Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
        }

        var tables = new Dictionary<string, (long, long, long)>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand("SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables", connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables[reader.GetString(0)] = (reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
            }
        }

        return new ServerCounters(lsn, tables);
    }

    /// <summary>
    /// The WAL written since <paramref name="before"/>, by what it was written for: "orders 2,310, pk_orders 420, ..." in
    /// bytes per <paramref name="per"/> (orders), each record counted once, for the first block it names (the heap for a
    /// row, the index for an index entry; a commit, which names none, by its resource manager). From
    /// <c>pg_walinspect</c>, a contrib extension of PostgreSQL 15; null when it cannot be created (not a superuser, the
    /// contrib package not installed) or the WAL was already recycled.
    /// </summary>
    public async Task<string?> WalByRelationAsync(string connectionString, ServerCounters before, double per)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        try
        {
            await using (var create = new NpgsqlCommand("CREATE EXTENSION IF NOT EXISTS pg_walinspect", connection))
            {
                await create.ExecuteNonQueryAsync();
            }

            // With synchronous_commit off the last records may not be flushed yet, and only flushed WAL can be read; the WAL
            // writer flushes within wal_writer_delay.
            for (var i = 0; i < 50; i++)
            {
                await using var flushed = new NpgsqlCommand("SELECT pg_current_wal_flush_lsn() >= '0/0'::pg_lsn + $1::numeric", connection);
                flushed.Parameters.AddWithValue(WalLsn);
                if (await flushed.ExecuteScalarAsync() is true)
                {
                    break;
                }

                await Task.Delay(100);
            }

            await using var command = new NpgsqlCommand("""
                WITH r AS (
                    SELECT record_length, resource_manager, record_type,
                           substring(block_ref FROM 'rel (\d+)/\d+/\d+')::oid AS space,
                           substring(block_ref FROM 'rel \d+/\d+/(\d+)')::oid AS node
                    FROM pg_get_wal_records_info('0/0'::pg_lsn + $1::numeric, '0/0'::pg_lsn + $2::numeric))
                , named AS (
                    SELECT r.record_length, r.record_type, r.resource_manager = 'Heap' AS heap,
                           coalesce(pg_filenode_relation(CASE WHEN space = 1663 THEN 0 ELSE space END, node)::regclass::text,
                                    CASE WHEN node IS NULL THEN lower(resource_manager) ELSE 'other relations' END) AS name
                    FROM r),
                kinds AS (
                    SELECT name, record_type, count(*) AS n FROM named WHERE heap GROUP BY 1, 2)
                SELECT n.name, sum(n.record_length),
                       (SELECT string_agg(k.record_type || ' ' || k.n, ' ' ORDER BY k.n DESC) FROM kinds k WHERE k.name = n.name)
                FROM named n GROUP BY 1 ORDER BY 2 DESC
                """, connection);
            command.Parameters.AddWithValue(before.WalLsn);
            command.Parameters.AddWithValue(WalLsn);
            var parts = new List<string>();
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var bytes = Convert.ToDouble(reader.GetValue(1), CultureInfo.InvariantCulture) / per;
                if (bytes >= 1)
                {
                    // A table's records by kind, per order: "orders 1,533 (UPDATE 4, HOT_UPDATE+INIT 1, ...)".
                    var kinds = reader.IsDBNull(2) ? "" : " (" + string.Join(", ", reader.GetString(2).Split(' ').Chunk(2)
                        .Select(k => string.Create(CultureInfo.InvariantCulture, $"{k[0]} {long.Parse(k[1], CultureInfo.InvariantCulture) / per:0.##}"))) + ")";
                    parts.Add(string.Create(CultureInfo.InvariantCulture, $"{reader.GetString(0)} {bytes:N0}{kinds}"));
                }
            }

            return string.Join(", ", parts);
        }
        catch (PostgresException e)
        {
            Console.Error.WriteLine($"WAL by relation not read: {e.MessageText}");
            return null;
        }
    }

    /// <summary>The difference to an earlier snapshot: WAL bytes, and rows written per table (tables with none left out).</summary>
    public ServerDelta Since(ServerCounters before)
    {
        var tables = new SortedDictionary<string, (long Ins, long Upd, long Del)>(StringComparer.Ordinal);
        foreach (var (name, after) in Tables)
        {
            var was = before.Tables.TryGetValue(name, out var b) ? b : (0, 0, 0);
            var delta = (after.Ins - was.Item1, after.Upd - was.Item2, after.Del - was.Item3);
            if (delta != (0, 0, 0))
            {
                tables[name] = delta;
            }
        }

        return new ServerDelta(WalLsn - before.WalLsn, tables);
    }
}

public sealed record ServerDelta(long WalBytes, IReadOnlyDictionary<string, (long Ins, long Upd, long Del)> Tables)
{
    public long RowsWritten(Func<string, bool>? table = null) =>
        Tables.Where(t => table is null || table(t.Key)).Sum(t => t.Value.Ins + t.Value.Upd + t.Value.Del);

    /// <summary>"orders ins/upd/del=1.00/3.00/0.00, ..." per <paramref name="per"/> (orders), for the details.</summary>
    public string PerOrder(double per, Func<string, bool>? table = null) => string.Join(", ", Tables
        .Where(t => table is null || table(t.Key))
        .Select(t => string.Create(CultureInfo.InvariantCulture,
            $"{t.Key} ins/upd/del={t.Value.Ins / per:0.##}/{t.Value.Upd / per:0.##}/{t.Value.Del / per:0.##}")));
}

/// <summary>
/// CPU seconds used by a local PostgreSQL server: the postmaster and its live children (from <c>/proc</c>), plus the children
/// that already exited (the postmaster's cutime and cstime). NaN when the server is not on this machine.
/// </summary>
public sealed class PostgresCpu
{
    private readonly int _postmaster;

    private PostgresCpu(int postmaster) => _postmaster = postmaster;

    public static async Task<PostgresCpu?> FindAsync(NpgsqlDataSource db)
    {
        await using var command = db.CreateCommand("SELECT pg_backend_pid()");
        var backend = Convert.ToInt32(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
        var status = $"/proc/{backend}/status";
        if (!File.Exists(status))
        {
            return null;
        }

        var parent = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("PPid:", StringComparison.Ordinal));
        return parent is null ? null : new PostgresCpu(int.Parse(parent[5..].Trim(), CultureInfo.InvariantCulture));
    }

    public double Seconds()
    {
        try
        {
            long ticks = 0;
            var self = Stat(_postmaster);
            ticks += self[11] + self[12] + self[13] + self[14]; // utime stime cutime cstime (fields 14-17)
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == _postmaster)
                {
                    continue;
                }

                try
                {
                    var stat = Stat(pid);
                    if (stat[1] == _postmaster)
                    {
                        ticks += stat[11] + stat[12];
                    }
                }
                catch (IOException)
                {
                    // Exited meanwhile.
                }
                catch (UnauthorizedAccessException)
                {
                    // Not ours.
                }
            }

            return ticks / 100.0;
        }
        catch (IOException)
        {
            return double.NaN;
        }
    }

    /// <summary>The numeric fields of /proc/PID/stat after the command name: [0] state (0), [1] ppid, ..., [11] utime, [12] stime, [13] cutime, [14] cstime.</summary>
    private static long[] Stat(int pid)
    {
        var text = File.ReadAllText($"/proc/{pid}/stat");
        var rest = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return [.. rest.Take(16).Select(v => long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0)];
    }
}
