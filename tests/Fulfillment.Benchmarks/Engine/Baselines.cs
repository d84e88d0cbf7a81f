using System.Diagnostics;
using System.Text;
using Npgsql;

namespace Fulfillment.Benchmarks.Engine;

/// <summary>What the machine does without the engine: raw commits on the same database, raw adds on the same simulator.</summary>
public sealed record Baseline(double PerSecond, long Count, double Seconds, int Concurrency, double SingleP50Ms, double SingleP99Ms);

public static class Baselines
{
    /// <summary>
    /// Autocommit <c>UPDATE ... WHERE id = $1</c>, one row per connection (no lock waits), N connections back to back;
    /// then one connection alone for the unloaded latency of one commit.
    /// </summary>
    public static async Task<Baseline> CommitsAsync(NpgsqlDataSource db, int connections, TimeSpan duration)
    {
        await using (var create = db.CreateCommand(
            "CREATE TABLE bench_counter (id int PRIMARY KEY, n bigint NOT NULL); INSERT INTO bench_counter SELECT g, 0 FROM generate_series(0, 63) g"))
        {
            await create.ExecuteNonQueryAsync();
        }

        async Task<List<double>> LoopAsync(int row, TimeSpan length)
        {
            var latencies = new List<double>(100_000);
            await using var connection = await db.OpenConnectionAsync();
            await using var command = new NpgsqlCommand("UPDATE bench_counter SET n = n + 1 WHERE id = $1", connection);
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = row });
            await command.PrepareAsync();
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < length)
            {
                var started = Stopwatch.GetTimestamp();
                await command.ExecuteNonQueryAsync();
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            return latencies;
        }

        await LoopAsync(63, TimeSpan.FromMilliseconds(300)); // warm-up
        var clock = Stopwatch.StartNew();
        var loops = await Task.WhenAll(Enumerable.Range(0, connections).Select(i => Task.Run(() => LoopAsync(i, duration))));
        var elapsed = clock.Elapsed.TotalSeconds;
        var single = await LoopAsync(63, TimeSpan.FromSeconds(1));
        var count = loops.Sum(l => (long)l.Count);
        return new Baseline(count / elapsed, count, elapsed, connections, Stats.Percentile(single, 0.50), Stats.Percentile(single, 0.99));
    }

    /// <summary>N keep-alive loops posting adds back to back (as the <c>simulator</c> verb does), then one loop alone for the unloaded latency.</summary>
    public static async Task<Baseline> AddsAsync(Uri api, string key, int concurrency, TimeSpan duration)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, UseCookies = false };
        using var http = new HttpClient(handler);

        async Task<(long Accepted, List<double> Latencies)> LoopAsync(string tag, TimeSpan length)
        {
            long accepted = 0;
            var latencies = new List<double>(100_000);
            var clock = Stopwatch.StartNew();
            for (var i = 0; clock.Elapsed < length; i++)
            {
                // A fresh link per add, so the provider's same-link rule never refuses one.
                var form = $"key={key}&action=add&service=2&quantity=100&link=https%3A%2F%2Finstagram.com%2Fp%2Fraw{tag}x{i}";
                using var content = new StringContent(form, Encoding.UTF8, "application/x-www-form-urlencoded");
                var started = Stopwatch.GetTimestamp();
                using var response = await http.PostAsync(api, content);
                var body = await response.Content.ReadAsStringAsync();
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                if (body.StartsWith("{\"order\"", StringComparison.Ordinal))
                {
                    accepted++;
                }
            }

            return (accepted, latencies);
        }

        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(i => Task.Run(() => LoopAsync($"w{i}", TimeSpan.FromMilliseconds(500)))));
        var clock = Stopwatch.StartNew();
        var loops = await Task.WhenAll(Enumerable.Range(0, concurrency).Select(i => Task.Run(() => LoopAsync($"r{i}", duration))));
        var elapsed = clock.Elapsed.TotalSeconds;
        var single = await LoopAsync("s", TimeSpan.FromSeconds(1));
        var accepted = loops.Sum(l => l.Accepted);
        var requests = loops.Sum(l => (long)l.Latencies.Count);
        if (accepted != requests)
        {
            Console.Error.WriteLine($"raw adds: {requests - accepted} of {requests} were not accepted");
        }

        return new Baseline(accepted / elapsed, accepted, elapsed, concurrency, Stats.Percentile(single.Latencies, 0.50), Stats.Percentile(single.Latencies, 0.99));
    }
}

public static class RawBaselines
{
    /// <summary>
    /// Multi-status calls of 100 ids (orders <paramref name="firstId"/>.. that the raw adds created), <paramref name="concurrency"/>
    /// loops back to back, as the engine's tracker calls them; orders answered per second. Then one loop alone.
    /// </summary>
    public static async Task<Baseline> StatusesAsync(Uri api, string key, long firstId, long count, int concurrency, TimeSpan duration)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, UseCookies = false };
        using var http = new HttpClient(handler);

        async Task<(long Answered, List<double> Latencies)> LoopAsync(int seed, TimeSpan length)
        {
            var random = new Random(seed);
            long answered = 0;
            var latencies = new List<double>(10_000);
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < length)
            {
                var start = firstId + random.NextInt64(0, Math.Max(1, count - 100));
                var ids = string.Join("%2C", Enumerable.Range(0, 100).Select(i => (start + i).ToString(System.Globalization.CultureInfo.InvariantCulture)));
                using var content = new StringContent($"key={key}&action=status&orders={ids}", Encoding.UTF8, "application/x-www-form-urlencoded");
                var started = Stopwatch.GetTimestamp();
                using var response = await http.PostAsync(api, content);
                var body = await response.Content.ReadAsStringAsync();
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                if (body.Contains("\"status\"", StringComparison.Ordinal))
                {
                    answered += 100;
                }
            }

            return (answered, latencies);
        }

        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(i => Task.Run(() => LoopAsync(100 + i, TimeSpan.FromMilliseconds(500)))));
        var clock = Stopwatch.StartNew();
        var loops = await Task.WhenAll(Enumerable.Range(0, concurrency).Select(i => Task.Run(() => LoopAsync(i, duration))));
        var elapsed = clock.Elapsed.TotalSeconds;
        var single = await LoopAsync(999, TimeSpan.FromSeconds(1));
        var answered = loops.Sum(l => l.Answered);
        return new Baseline(answered / elapsed, answered, elapsed, concurrency, Stats.Percentile(single.Latencies, 0.50), Stats.Percentile(single.Latencies, 0.99));
    }

    /// <summary>
    /// The refund's own SQL, alone: <see cref="Fulfillment.Engine.Lifecycle.OrderFinisher"/> finishing <paramref name="orders"/> (placed
    /// through place_order, then set in progress) as canceled, 1,000 a transaction, from <paramref name="connections"/> connections
    /// at once (the tracker's two writers); refunds per second. No provider, no claim, no status call. The first 200 warm the
    /// connections up and are not counted.
    /// </summary>
    public static async Task<Baseline> FinishesAsync(NpgsqlDataSource db, long[] orders, int connections)
    {
        await using (var setup = db.CreateCommand("UPDATE orders SET status = 'in_progress', dispatched_at = now() WHERE id = ANY($1)"))
        {
            setup.Parameters.Add(new NpgsqlParameter { Value = orders });
            await setup.ExecuteNonQueryAsync();
        }

        // Warm-up, not counted: each pooled connection compiles the PL/pgSQL function on its first call.
        await Task.WhenAll(orders.Take(200).Chunk(100).Select(chunk => Task.Run(async () =>
        {
            await using var connection = await db.OpenConnectionAsync();
            await using var batch = new NpgsqlBatch(connection);
            Fulfillment.Engine.Lifecycle.OrderFinisher.AddTo(batch, chunk.Select(id => new Fulfillment.Engine.Lifecycle.Finish(id, "canceled", null, "baseline")).ToList(),
                DateTimeOffset.UtcNow);
            await batch.ExecuteNonQueryAsync();
        })));
        orders = orders[200..];

        var batches = orders.Chunk(1000).ToList();
        var next = -1;
        var latencies = new System.Collections.Concurrent.ConcurrentBag<double>();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, connections).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < batches.Count)
            {
                var started = Stopwatch.GetTimestamp();
                await using var connection = await db.OpenConnectionAsync();
                await using var transaction = await connection.BeginTransactionAsync();
                await using var batch = new NpgsqlBatch(connection, transaction);
                Fulfillment.Engine.Lifecycle.OrderFinisher.AddTo(batch,
                    batches[i].Select(id => new Fulfillment.Engine.Lifecycle.Finish(id, "canceled", null, "baseline")).ToList(), DateTimeOffset.UtcNow);
                await batch.ExecuteNonQueryAsync();
                await transaction.CommitAsync();
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        })));
        var elapsed = clock.Elapsed.TotalSeconds;
        await using var count = db.CreateCommand("SELECT count(*) FROM ledger WHERE kind = 'refund' AND order_id = ANY($1)");
        count.Parameters.Add(new NpgsqlParameter { Value = orders });
        var refunds = Convert.ToInt64(await count.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        return new Baseline(refunds / elapsed, refunds, elapsed, connections, Stats.Percentile(latencies, 0.50), Stats.Percentile(latencies, 0.99));
    }
}

public static class Stats
{
    /// <summary>Nearest-rank percentile; sorts a copy.</summary>
    public static double Percentile(IEnumerable<double> values, double p)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(p * sorted.Count) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Count - 1)];
    }
}
