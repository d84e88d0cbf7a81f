using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;

namespace Fulfillment.Benchmarks.Engine;

/// <summary>One paced order: when it was due, when <c>place_order</c> was called, when it returned (committed).</summary>
public readonly record struct PlacedOrder(DateTimeOffset Due, DateTimeOffset Called, DateTimeOffset Committed);

/// <summary>A paced run: the orders by number, and what the generator itself achieved.</summary>
public sealed record OfferedLoad(PlacedOrder[] Orders, double AchievedRate, double WorstLateMs, double PlaceP99Ms);

/// <summary>What a panel's front end does: users, a provider and a service, and orders through <c>place_order</c> (so the ledger triggers run).</summary>
public sealed partial class PanelLoad(NpgsqlDataSource db, long[] users, long service)
{
    public long Service => service;

    public static async Task<PanelLoad> SeedAsync(NpgsqlDataSource db, Uri api, string key, int userCount)
    {
        var provider = await ScalarAsync(db, "INSERT INTO providers (name, api_url, api_key) VALUES ('bench', $1, $2) RETURNING id", api.ToString(), key);
        // Upstream service 2 (Instagram Likes, 10..50,000); 100 per order at 1.00 per 1000 charges 0.10.
        var service = await ScalarAsync(db,
            "INSERT INTO services (name, type, provider_id, provider_service_id, rate, min, max) VALUES ('bench likes', 'Default', $1, '2', 1.0, 10, 50000) RETURNING id",
            provider);
        var users = new long[userCount];
        for (var i = 0; i < userCount; i++)
        {
            users[i] = await ScalarAsync(db, "INSERT INTO users (username, email, last_active_at) VALUES ($1, $2, now()) RETURNING id", $"bench{i}", $"bench{i}@example.com");
            await ScalarAsync(db, "SELECT deposit($1, 1000000, $2)", users[i], $"bench-deposit-{i}");
        }

        return new PanelLoad(db, users, service);
    }

    /// <summary>A link carrying a token that survives link normalisation: <c>/p/{tag}{n:D7}x</c>.</summary>
    public static string Link(string tag, int n) => $"https://instagram.com/p/{tag}{n.ToString("D7", CultureInfo.InvariantCulture)}x";

    /// <summary>The tag and number of a link made by <see cref="Link"/>, or null.</summary>
    public static (string Tag, int Number)? ParseLink(string? link) =>
        link is not null && Token().Match(link) is { Success: true } m
            ? (m.Groups[1].Value, int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture))
            : null;

    [GeneratedRegex("/p/([a-z]{2})([0-9]{7})x")]
    private static partial Regex Token();

    /// <summary>
    /// <paramref name="count"/> orders as fast as <paramref name="connections"/> connections go; each connection has
    /// its own users, so no two wait on one balance row. Returns the order ids (ascending) and the seconds taken.
    /// </summary>
    public async Task<(long[] Ids, double Seconds)> PlaceManyAsync(string tag, int count, int connections)
    {
        var clock = Stopwatch.StartNew();
        var parts = await Task.WhenAll(Enumerable.Range(0, connections).Select(worker => Task.Run(async () =>
        {
            var ids = new List<long>(count / connections + 1);
            await using var connection = await db.OpenConnectionAsync();
            await using var command = PlaceCommand(connection);
            await command.PrepareAsync();
            for (var n = worker; n < count; n += connections)
            {
                ids.Add(await PlaceAsync(command, n, tag));
            }

            return ids;
        })));
        var seconds = clock.Elapsed.TotalSeconds;
        return ([.. parts.SelectMany(p => p).Order()], seconds);
    }

    /// <summary>
    /// How many connections the panel's front end places orders over (its workers, each with a connection kept open).
    /// Unbounded, a hiccup on a two-core machine made the generator open a new server process per order waiting, each
    /// new backend's first calls costing milliseconds of CPU (compiling the functions and planning their statements),
    /// which slowed every call and opened more: a storm the benchmark made, not one the engine did.
    /// </summary>
    public const int FrontEndConnections = 32;

    /// <summary>
    /// An open-loop offered load: order n is due at start + n / rate whatever happened to earlier ones
    /// (so a slow call delays nobody's due time), placed over <see cref="FrontEndConnections"/> connections opened
    /// before the first is due; an order waiting for a free connection waits from its due time, and that counts.
    /// </summary>
    public async Task<OfferedLoad> OfferAsync(string tag, int rate, TimeSpan duration)
    {
        var count = Math.Max(1, (int)(rate * duration.TotalSeconds));
        var orders = new PlacedOrder[count];
        var placeMs = new double[count];
        var tasks = new Task[count];
        using var workers = new SemaphoreSlim(FrontEndConnections);
        await WarmConnectionsAsync(FrontEndConnections);
        var startUtc = DateTimeOffset.UtcNow;
        var start = Stopwatch.GetTimestamp();
        var worstLate = 0.0;
        for (var i = 0; i < count; i++)
        {
            var due = TimeSpan.FromSeconds((double)i / rate);
            var wait = due - Stopwatch.GetElapsedTime(start);
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait);
            }

            worstLate = Math.Max(worstLate, (Stopwatch.GetElapsedTime(start) - due).TotalMilliseconds);
            var n = i;
            tasks[i] = Task.Run(async () =>
            {
                await workers.WaitAsync();
                try
                {
                    await using var connection = await db.OpenConnectionAsync();
                    await using var command = PlaceCommand(connection);
                    var called = DateTimeOffset.UtcNow;
                    var started = Stopwatch.GetTimestamp();
                    await PlaceAsync(command, n, tag);
                    placeMs[n] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    orders[n] = new PlacedOrder(startUtc + due, called, DateTimeOffset.UtcNow);
                }
                finally
                {
                    workers.Release();
                }
            });
        }

        var launched = Stopwatch.GetElapsedTime(start).TotalSeconds;
        await Task.WhenAll(tasks);
        return new OfferedLoad(orders, count > 1 ? (count - 1) / launched : count, worstLate, Stats.Percentile(placeMs, 0.99));
    }

    /// <summary>Opens <paramref name="count"/> pooled connections at once and hands them back, each having placed nothing but a SELECT 1.</summary>
    private async Task WarmConnectionsAsync(int count)
    {
        var open = await Task.WhenAll(Enumerable.Range(0, count).Select(async _ =>
        {
            var connection = await db.OpenConnectionAsync();
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync();
            return connection;
        }));
        foreach (var connection in open)
        {
            await connection.DisposeAsync();
        }
    }

    private NpgsqlCommand PlaceCommand(NpgsqlConnection connection)
    {
        var command = new NpgsqlCommand("SELECT place_order($1, $2, $3, 100)", connection);
        command.Parameters.Add(new NpgsqlParameter<long>());
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = service });
        command.Parameters.Add(new NpgsqlParameter<string>());
        return command;
    }

    private async Task<long> PlaceAsync(NpgsqlCommand command, int n, string tag)
    {
        ((NpgsqlParameter<long>)command.Parameters[0]).TypedValue = users[n % users.Length];
        ((NpgsqlParameter<string>)command.Parameters[2]).TypedValue = Link(tag, n);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    public static async Task<long> ScalarAsync(NpgsqlDataSource db, string sql, params object[] args)
    {
        await using var command = db.CreateCommand(sql);
        foreach (var arg in args)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = arg });
        }

        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    public static async Task<int> ExecuteAsync(NpgsqlDataSource db, string sql, params object[] args)
    {
        await using var command = db.CreateCommand(sql);
        command.CommandTimeout = 300;
        foreach (var arg in args)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = arg });
        }

        return await command.ExecuteNonQueryAsync();
    }

    public static async Task<string> TextAsync(NpgsqlDataSource db, string sql, params object[] args)
    {
        await using var command = db.CreateCommand(sql);
        foreach (var arg in args)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = arg });
        }

        return Convert.ToString(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture) ?? "";
    }
}
