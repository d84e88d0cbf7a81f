using System.Globalization;
using Npgsql;

namespace Fulfillment.Demo;

/// <summary>The demo's panel: what a panel's web front end would write (its summary is <see cref="DemoSummary"/>).</summary>
internal static class DemoData
{
    /// <param name="Running">A subscription left running: the summary shows its posts served so far.</param>
    /// <param name="EndingEarly">A subscription its user cancels once it has served a few posts.</param>
    internal sealed record Seed(long[] Users, long Followers, long Likes, long Package, long Comments, long Views, long DripFeed, long AutoLikes)
    {
        public long Running { get; set; }

        public long EndingEarly { get; set; }
    }

    /// <summary>Posts the early-ending subscription serves before its user cancels it.</summary>
    private const int PostsBeforeCancel = 2;

    /// <summary>The first provider's service that it no longer offers (the demo's failover): YouTube Views.</summary>
    public const int WithdrawnUpstream = 3;

    /// <param name="subscriptionsUrl">A third, steady provider for the subscriptions, so the demo's injected faults cannot lose one.</param>
    public static async Task<Seed> SeedAsync(NpgsqlDataSource db, Uri apiUrl, Uri backupUrl, Uri subscriptionsUrl)
    {
        var provider = await ScalarAsync<long>(db, "INSERT INTO providers (name, api_url, api_key) VALUES ('demo-provider', $1, 'demo-key') RETURNING id",
            apiUrl.ToString());
        var backup = await ScalarAsync<long>(db, "INSERT INTO providers (name, api_url, api_key) VALUES ('backup-provider', $1, 'backup-key') RETURNING id",
            backupUrl.ToString());
        var steady = await ScalarAsync<long>(db, "INSERT INTO providers (name, api_url, api_key) VALUES ('demo-subscriptions', $1, 'demo-key') RETURNING id",
            subscriptionsUrl.ToString());
        async Task<long> Service(string name, string type, string upstream, decimal rate, int min, int max, bool cancel, bool refill, long? at = null) =>
            await ScalarAsync<long>(db, """
                INSERT INTO services (name, type, provider_id, provider_service_id, rate, min, max, cancel, refill)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id
                """, name, type, at ?? provider, upstream, rate, min, max, cancel, refill);
        var followers = await Service("Instagram Followers", "Default", "1", 1.20m, 50, 10_000, true, true);
        var likes = await Service("Instagram Likes", "Default", "2", 0.40m, 10, 50_000, true, false);
        var package = await Service("Profile Starter Package", "Package", "4", 6.00m, 1, 1, false, false);
        var comments = await Service("Custom Comments", "Custom Comments", "5", 15.00m, 5, 1_000, false, false);
        var autoLikes = await Service("Instagram Auto Likes", "Subscriptions", "8", 0.50m, 50, 5_000, true, false, steady);
        var views = await Service("YouTube Views", "Default", WithdrawnUpstream.ToString(CultureInfo.InvariantCulture), 0.05m, 100, 100_000, false, false);
        // Further routes (service_routes): the same services at the backup provider, tried when the first cannot take an order.
        foreach (var (service, upstream) in new[] { (followers, "1"), (views, WithdrawnUpstream.ToString(CultureInfo.InvariantCulture)) })
        {
            await ScalarAsync<long>(db, "INSERT INTO service_routes (service_id, position, provider_id, provider_service_id) VALUES ($1, 1, $2, $3) RETURNING id",
                service, backup, upstream);
        }

        // Drip-feed the engine runs itself: the simulated YouTube Views service has no drip-feed of its own. It is bought from
        // the backup provider, which still offers YouTube Views.
        var dripFeed = await Service("YouTube Views (drip-feed)", "Default", "3", 0.05m, 100, 100_000, true, false);
        // Priced by the engine: likes at the upstream rate plus 60% (0.25 -> 0.40), the package plus 20% (5.00 -> 6.00).
        await ScalarAsync<int>(db, "UPDATE services SET markup_percent = CASE WHEN id = $1 THEN 60 ELSE 20 END WHERE id IN ($1, $2)", likes, package);
        await ScalarAsync<int>(db, "UPDATE services SET dripfeed = true, dripfeed_mode = 'emulated', provider_id = $2 WHERE id = $1", dripFeed, backup);
        var users = new long[20];
        for (var i = 0; i < users.Length; i++)
        {
            users[i] = await ScalarAsync<long>(db, "INSERT INTO users (username, email) VALUES ($1, $2) RETURNING id", $"demo{i}", $"demo{i}@example.com");
            await ScalarAsync<long>(db, "SELECT deposit($1, 100, $2)", users[i], $"demo-topup-{i}");
        }

        return new Seed(users, followers, likes, package, comments, views, dripFeed, autoLikes);
    }

    public static async Task<int> PlaceOrdersAsync(NpgsqlDataSource db, Seed seed)
    {
        var random = new Random(7);
        var placed = 0;
        // One order for a service its first provider no longer offers: it fails over to the backup route.
        await ScalarAsync<long>(db, "SELECT place_order($1, $2, $3, $4, $5::jsonb)", seed.Users[0], seed.Views, "https://youtube.com/watch?v=demoFailover", 1000, "{}");
        placed++;

        for (var i = 0; i < 300; i++)
        {
            var user = seed.Users[i % seed.Users.Length];
            // Every tenth order repeats an earlier link in another spelling: a same-link conflict.
            var post = i % 10 == 9 ? $"demo{i - 1}" : $"demo{i}";
            var link = i == 2 ? "https://www.youtube.com/watch?v=demo2" : i % 10 == 9 ? $"https://www.instagram.com/p/{post}/?igsh=share" : $"https://instagram.com/p/{post}";
            var (service, quantity, parameters) = (i % 30) switch
            {
                0 => (seed.Package, 1, "{}"),
                1 => (seed.Comments, 5, """{"comments":"Nice!\nGreat\nWow\nLove it\nCool"}"""),
                // An emulated drip-feed: 3 runs of 500 views, 2 "minutes" apart (a second each in the demo).
                2 when i == 2 => (seed.DripFeed, 500, """{"runs":3,"interval":2}"""),
                _ when i % 3 == 0 => (seed.Likes, random.Next(10, 2_000), "{}"),
                _ => (seed.Followers, random.Next(50, 2_000), "{}"),
            };
            await ScalarAsync<long>(db, "SELECT place_order($1, $2, $3, $4, $5::jsonb)", user, service, link, quantity, parameters);
            placed++;
        }

        // A user changes their mind about the last order.
        var last = await ScalarAsync<long>(db, "SELECT max(id) FROM orders WHERE parent_id IS NULL");
        await ScalarAsync<long>(db, "SELECT request_cancel($1)", last);

        // Two subscriptions: 200 likes on each of an account's next 30 posts, still running when the demo ends, and
        // 100 on each of another's next 10, which its user cancels after a couple of posts.
        seed.Running = await ScalarAsync<long>(db, "SELECT place_order($1, $2, '@demo.travel', 200, $3::jsonb)", seed.Users[0], seed.AutoLikes,
            """{"min": 150, "posts": 30, "delay": 0}""");
        seed.EndingEarly = await ScalarAsync<long>(db, "SELECT place_order($1, $2, '@demo.bakery', 100, $3::jsonb)", seed.Users[1], seed.AutoLikes,
            """{"min": 50, "posts": 10}""");
        return placed + 2;
    }

    /// <summary>
    /// Once the engine has read the first provider's list, its likes go up 5% (the marked-up sale rate follows) and its package 40%
    /// (more than the 20% an unattended move may be: held for a person, price_change_held).
    /// </summary>
    public static async Task<bool> MoveRatesAsync(NpgsqlDataSource db, Fulfillment.Simulator.ProviderSimulator provider)
    {
        if (await ScalarAsync<long>(db, "SELECT count(*) FROM provider_services ps JOIN providers p ON p.id = ps.provider_id WHERE p.name = 'demo-provider'") == 0)
        {
            return false;
        }

        provider.SetRate(2, 0.2625m);
        provider.SetRate(4, 7.00m);
        return true;
    }

    public static async Task<bool> WaitUntilSettledAsync(NpgsqlDataSource db, Seed seed, TimeSpan limit, Func<Task<bool>> moveRates)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var refillAsked = false;
        var ratesMoved = false;
        while (started.Elapsed < limit)
        {
            var line = await ScalarAsync<string>(db,
                "SELECT string_agg(status || ' ' || n, ', ' ORDER BY status) FROM (SELECT status, count(*) n FROM orders WHERE parent_id IS NULL GROUP BY status) s");
            Console.Write($"\r  {started.Elapsed.TotalSeconds,5:0.0}s  {line}".PadRight(110));
            // The early-ending subscription's user cancels it once a couple of its posts were served.
            await ScalarAsync<long?>(db, """
                SELECT request_cancel(id) FROM orders
                WHERE id = $1 AND status = 'in_progress' AND posts_served >= $2
                  AND NOT EXISTS (SELECT 1 FROM order_requests r WHERE r.order_id = orders.id)
                """, seed.EndingEarly, PostsBeforeCancel);
            ratesMoved = ratesMoved || await moveRates();
            if (!refillAsked)
            {
                // Once a followers order completes, its buyer asks for a refill.
                var completed = await ScalarAsync<long?>(db, "SELECT min(id) FROM orders WHERE status = 'completed' AND service_id = $1", seed.Followers);
                if (completed is { } id)
                {
                    await ScalarAsync<long>(db, "SELECT request_refill($1)", id);
                    refillAsked = true;
                }
            }

            // Settled: nothing left for the engine to do. An order held behind one in review waits for a person, as it should,
            // a drip-feed whose last run exists and whose only open runs are in review, and the running subscription runs on
            // (it has served a few posts by now).
            var open = await ScalarAsync<long>(db, """
                SELECT (SELECT count(*) FROM orders o
                        WHERE o.status NOT IN ('completed', 'partial', 'canceled', 'failed', 'review')
                          AND NOT (o.status = 'held' AND EXISTS (SELECT 1 FROM orders b WHERE b.id = o.held_by AND b.status = 'review'))
                          AND NOT (o.id = $1 AND o.status = 'in_progress' AND o.posts_served >= 3)
                          AND NOT (o.emulated_runs IS NOT NULL
                                   AND (SELECT max(r.run_number) FROM orders r WHERE r.parent_id = o.id) = o.emulated_runs
                                   AND NOT EXISTS (SELECT 1 FROM orders r WHERE r.parent_id = o.id AND r.status IN ('pending', 'held', 'dispatching', 'in_progress'))
                                   AND EXISTS (SELECT 1 FROM orders r WHERE r.parent_id = o.id AND r.status = 'review')))
                     + (SELECT count(*) FROM order_requests WHERE status IN ('pending', 'sent'))
                """, seed.Running);
            if (open == 0 && refillAsked && ratesMoved && await RepricedAsync(db))
            {
                return true;
            }

            await Task.Delay(500);
        }

        return false;
    }

    /// <summary>Both moves seen by a sync after the rates moved: one applied, one held.</summary>
    private static async Task<bool> RepricedAsync(NpgsqlDataSource db) => await ScalarAsync<long>(db,
        "SELECT count(DISTINCT status) FROM price_changes WHERE status = 'held' OR (status = 'applied' AND old_upstream_rate <> new_upstream_rate)") == 2;

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource db, string sql, params object[] args)
    {
        await using var command = db.CreateCommand(sql);
        foreach (var a in args)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = a });
        }

        var result = await command.ExecuteScalarAsync();
        return result is null or DBNull ? default! : (T)Convert.ChangeType(result, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T), CultureInfo.InvariantCulture);
    }
}
