using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Fulfillment.Data;

/// <summary>
/// The schema's functions, triggers and views as they are today: one file each under <c>Sql/</c>, embedded here.
/// Migrations own tables, columns, indexes and data; these files own the code. <c>migrate</c> applies the files
/// whose hash differs from the one recorded in <c>fulfillment_sql_scripts</c>, after the migrations, in one
/// transaction: functions, then views, then triggers, then the security rules (fulfillment_secure_functions)
/// over every function. docs/contributing.md says how to change one.
/// </summary>
public static class SqlScripts
{
    /// <summary>The table that records which version of each file the database holds.</summary>
    public const string HistoryTable = "fulfillment_sql_scripts";

    private const string ResourcePrefix = "Sql/";

    /// <summary>Folders in the order they are applied: a view may call a function, a trigger runs one.</summary>
    private static readonly string[] Folders = ["functions", "views", "triggers"];

    public sealed record Script(string Name, string Sql, string Hash);

    /// <summary>Every file, in the order it is applied (folder, then name).</summary>
    public static IReadOnlyList<Script> All { get; } = Load();

    private const string HistoryDdl = $"""
        CREATE TABLE IF NOT EXISTS {HistoryTable} (
            name text PRIMARY KEY,
            sha256 text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now())
        """;

    /// <summary>
    /// Applies the files the database does not hold in this version, in one transaction (taken under an advisory lock, so
    /// two <c>migrate</c> runs never interleave). Returns the names applied.
    /// </summary>
    public static async Task<IReadOnlyList<string>> ApplyAsync(NpgsqlConnection connection, CancellationToken ct = default)
    {
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock(hashtext('{HistoryTable}'))", ct);
        await ExecuteAsync(connection, transaction, HistoryDdl, ct);
        var stale = await StaleAsync(connection, transaction, ct);
        if (stale.Count > 0)
        {
            // A SQL-language body may name a function applied after it; every body is checked when it first runs.
            await ExecuteAsync(connection, transaction, "SET LOCAL check_function_bodies = off", ct);
            foreach (var script in All.Where(s => stale.Contains(s.Name)))
            {
                await ExecuteAsync(connection, transaction, script.Sql, ct);
                await RecordAsync(connection, transaction, script, ct);
            }

            await ExecuteAsync(connection, transaction, "SELECT fulfillment_secure_functions()", ct);
        }

        await transaction.CommitAsync(ct);
        return stale;
    }

    /// <summary>The files whose version the database does not hold (all of them when nothing was ever applied).</summary>
    public static async Task<IReadOnlyList<string>> StaleAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction = null, CancellationToken ct = default)
    {
        var recorded = new Dictionary<string, string>(StringComparer.Ordinal);
        await using (var exists = new NpgsqlCommand("SELECT to_regclass($1) IS NOT NULL", connection, transaction))
        {
            exists.Parameters.Add(new() { Value = HistoryTable });
            if (await exists.ExecuteScalarAsync(ct) is not true)
            {
                return [.. All.Select(s => s.Name)];
            }
        }

        await using (var command = new NpgsqlCommand($"SELECT name, sha256 FROM {HistoryTable}", connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                recorded[reader.GetString(0)] = reader.GetString(1);
            }
        }

        return [.. All.Where(s => recorded.GetValueOrDefault(s.Name) != s.Hash).Select(s => s.Name)];
    }

    /// <summary>
    /// Every file as one idempotent script, for deploy/schema.sql: applied whole (each file replaces what it defines),
    /// then recorded, so a later <c>migrate</c> finds the database current.
    /// </summary>
    public static string IdempotentScript()
    {
        var text = new StringBuilder();
        text.Append("-- Functions, views and triggers as they are today (src/Fulfillment.Data/Sql), then the security rules, then their record.\n");
        text.Append(HistoryDdl).Append(";\n");
        text.Append("SET check_function_bodies = off;\n");
        foreach (var script in All)
        {
            text.Append($"\n-- {script.Name}\n").Append(script.Sql.TrimEnd()).Append('\n');
        }

        text.Append("\nRESET check_function_bodies;\n");
        text.Append("SELECT fulfillment_secure_functions();\n");
        text.Append($"INSERT INTO {HistoryTable} (name, sha256) VALUES\n");
        text.Append(string.Join(",\n", All.Select(s => $"    ('{s.Name}', '{s.Hash}')")));
        text.Append("\nON CONFLICT (name) DO UPDATE SET sha256 = EXCLUDED.sha256, applied_at = now();\n");
        return text.ToString();
    }

    private static async Task RecordAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Script script, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"""
            INSERT INTO {HistoryTable} (name, sha256) VALUES ($1, $2)
            ON CONFLICT (name) DO UPDATE SET sha256 = EXCLUDED.sha256, applied_at = now()
            """, connection, transaction);
        command.Parameters.Add(new() { Value = script.Name });
        command.Parameters.Add(new() { Value = script.Hash });
        await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static List<Script> Load()
    {
        var assembly = typeof(SqlScripts).Assembly;
        var scripts = new List<Script>();
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            var sql = reader.ReadToEnd().ReplaceLineEndings("\n");
            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql)));
            scripts.Add(new Script(name[ResourcePrefix.Length..], sql, hash));
        }

        var unknown = scripts.FirstOrDefault(s => Array.IndexOf(Folders, s.Name.Split('/')[0]) < 0);
        if (unknown is not null)
        {
            throw new InvalidOperationException($"SQL file {unknown.Name} is in no folder that is applied ({string.Join(", ", Folders)}).");
        }

        return [.. scripts.OrderBy(s => Array.IndexOf(Folders, s.Name.Split('/')[0])).ThenBy(s => s.Name, StringComparer.Ordinal)];
    }
}
