using System.Diagnostics;
using System.Text.RegularExpressions;
using Fulfillment.Engine.Database;
using Fulfillment.Simulator;
using Fulfillment.Tests.Infrastructure;
using Npgsql;

namespace Fulfillment.Tests.Lifecycle;

/// <summary>
/// PostgreSQL restarts under a running engine process. The server is this class's own, so restarting it
/// cuts no other test's connections. The engine's role is kept out (NOLOGIN) across the restart, so
/// the outage lasts as long as the test needs: orders are placed while the engine cannot see them.
/// </summary>
public sealed partial class DatabaseRestartTests(OwnPostgres postgres) : IClassFixture<OwnPostgres>
{
    [Fact]
    public async Task After_a_database_restart_the_engine_catches_up_dispatches_on_notify_and_heartbeats_again_having_logged_the_outage_once()
    {
        var (admin, engineConnection, role) = await postgres.CreateDatabaseAsync();
        await using var adminSource = NpgsqlDataSource.Create(admin);
        var panel = new Panel(adminSource);
        await using var simulator = await ProviderSimulator.StartAsync(new SimulatorSettings { ApiKey = "k" });
        var provider = await panel.CreateProviderAsync(url: simulator.ApiUrl.ToString(), key: "k");
        var service = await panel.CreateServiceAsync(provider, rate: 1m, providerServiceId: "1");
        var user = await panel.CreateUserAsync(deposit: 100m);

        using var engine = EngineProcess.Start(
        [
            "run", .. FastEngine.Settings(engineConnection, "restart"),
            "--Serilog:MinimumLevel:Default=Information",
            // Each failed attempt during an outage is logged at Debug, which lets the test see the attempts go on.
            "--Serilog:MinimumLevel:Override:Fulfillment.Engine.Database=Debug",
            "--Fulfillment:Jobs:Heartbeat:Interval=00:00:00.5",
            // Only the NOTIFY listener (and its catch-up pass after LISTEN) can dispatch within the test's time.
            "--Fulfillment:Jobs:DispatchOrders:Interval=00:10:00",
        ]);
        var restart = new Restart(panel, adminSource, role, engine, simulator, user, service);
        await Poll.UntilAsync(() => ListeningAsync(panel, role), TimeSpan.FromSeconds(60), () => "the engine never listened:\n" + engine.Output);
        await WaitUntilStartedAsync(panel, "restart", engine);
        var jobRunsBefore = await HeartbeatJobRunsAsync(panel, "restart");

        var whileAway = await RestartTheServerWithTheEngineShutOutAsync(restart);
        var restoredAt = await LetTheEngineBackAndSeeItDispatchOnNotifyAsync(restart, whileAway);
        await AssertHeartbeatAndSchedulerResumeAsync(restart, restoredAt, jobRunsBefore);

        AssertTheOutageWasLoggedOnce(engine.Output);
        Assert.Equal(1L, await panel.ScalarAsync<long>("SELECT count(*) FROM orders WHERE link = $1 AND status <> 'pending'", whileAway));
    }

    [Fact]
    public async Task An_engine_started_while_the_database_refuses_it_waits_and_starts_when_it_is_back()
    {
        var (admin, engineConnection, role) = await postgres.CreateDatabaseAsync();
        await using var adminSource = NpgsqlDataSource.Create(admin);
        var panel = new Panel(adminSource);
        await panel.ExecuteAsync($"ALTER ROLE {role} NOLOGIN");

        using var engine = EngineProcess.Start(["run", .. FastEngine.Settings(engineConnection, "late-start"), "--Serilog:MinimumLevel:Default=Information"]);
        await Poll.UntilAsync(() => engine.Output.Contains("Database unreachable since", StringComparison.Ordinal), TimeSpan.FromSeconds(60),
            () => "the engine did not report the outage:\n" + engine.Output);
        Assert.False(engine.HasExited, engine.Output);

        await panel.ExecuteAsync($"ALTER ROLE {role} LOGIN");
        await Poll.UntilAsync(async () => await panel.ScalarAsync<long>("SELECT count(*) FROM engine_instances WHERE host = 'late-start'") == 1,
            TimeSpan.FromSeconds(60), () => "the engine never registered:\n" + engine.Output);
        Assert.Equal(1, Count(engine.Output, "Database unreachable since"));
        Assert.Contains("Database is back after", engine.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_systemd_watchdog_is_fed_only_while_the_heartbeat_reaches_the_database()
    {
        var (admin, engineConnection, role) = await postgres.CreateDatabaseAsync();
        await using var adminSource = NpgsqlDataSource.Create(admin);
        var panel = new Panel(adminSource);
        using var systemd = new NotifySocket();
        var environment = new Dictionary<string, string>
        {
            // What systemd gives a unit with WatchdogSec=60.
            ["NOTIFY_SOCKET"] = systemd.Path,
            ["WATCHDOG_USEC"] = "60000000",
        };
        using var engine = EngineProcess.Start(environment,
        [
            "run", .. FastEngine.Settings(engineConnection, "watchdog"),
            "--Serilog:MinimumLevel:Default=Information", "--Serilog:MinimumLevel:Override:Fulfillment.Engine.Database=Debug",
        ]);
        await Poll.UntilAsync(() => systemd.Count("WATCHDOG=1") >= 3, TimeSpan.FromSeconds(60),
            () => "the engine never fed the watchdog:\n" + engine.Output);
        await WaitUntilStartedAsync(panel, "watchdog", engine);

        // The database shuts the engine out: its sessions cut, its logins refused.
        await panel.ExecuteAsync($"ALTER ROLE {role} NOLOGIN");
        await panel.ExecuteAsync("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1", role);
        await Poll.UntilAsync(() => engine.Output.Contains("Database unreachable since", StringComparison.Ordinal), TimeSpan.FromSeconds(30),
            () => "the engine never noticed the outage:\n" + engine.Output);
        var outageNoticed = systemd.Received;
        const string failedBeat = "The heartbeat failed while the database is unreachable";
        var beatsBefore = Count(engine.Output, failedBeat);
        await Poll.UntilAsync(() => Count(engine.Output, failedBeat) >= beatsBefore + 6, TimeSpan.FromSeconds(30),
            () => "the heartbeat stopped trying:\n" + engine.Output);
        Assert.Equal(0, systemd.CountSince(outageNoticed, "WATCHDOG=1"));
        Assert.False(engine.HasExited, engine.Output);

        await panel.ExecuteAsync($"ALTER ROLE {role} LOGIN");
        await Poll.UntilAsync(() => systemd.CountSince(outageNoticed, "WATCHDOG=1") >= 2, TimeSpan.FromSeconds(30),
            () => "the watchdog was not fed again after the database came back:\n" + engine.Output);
    }

    /// <summary>What the restart test works with: the panel on its own server, the engine it restarts under, the provider.</summary>
    private sealed record Restart(Panel Panel, NpgsqlDataSource AdminSource, string Role, EngineProcess Engine, ProviderSimulator Simulator, long User, long Service);

    /// <summary>
    /// The engine's role kept out (NOLOGIN) while the server restarts: the engine notices, keeps trying, and an order
    /// placed meanwhile is not sent. Returns that order's link.
    /// </summary>
    private async Task<string> RestartTheServerWithTheEngineShutOutAsync(Restart r)
    {
        await r.Panel.ExecuteAsync($"ALTER ROLE {r.Role} NOLOGIN");
        await postgres.Server.RestartAsync();
        r.AdminSource.Clear(); // the test's own pooled connections were cut too
        await Poll.UntilAsync(() => r.Engine.Output.Contains("Database unreachable since", StringComparison.Ordinal), TimeSpan.FromSeconds(30),
            () => "the engine never noticed the outage:\n" + r.Engine.Output);
        // The engine keeps trying (heartbeat every 0.5 s, listener); ten more attempts, logged once in all.
        await Poll.UntilAsync(() => Count(r.Engine.Output, "failed while the database is unreachable") >= 10, TimeSpan.FromSeconds(30),
            () => "the engine stopped trying:\n" + r.Engine.Output);
        var whileAway = $"https://instagram.com/p/{Guid.NewGuid():N}";
        await r.Panel.PlaceOrderAsync(r.User, r.Service, whileAway, 100);
        Assert.Equal(0, r.Simulator.Record.AddCount(whileAway));
        return whileAway;
    }

    /// <summary>
    /// Logins allowed again: the order placed during the outage is sent, the listener is back, and a new order goes out on
    /// its NOTIFY. Returns when the logins were allowed.
    /// </summary>
    private static async Task<DateTime> LetTheEngineBackAndSeeItDispatchOnNotifyAsync(Restart r, string whileAway)
    {
        await r.Panel.ExecuteAsync($"ALTER ROLE {r.Role} LOGIN");
        var restoredAt = DateTime.UtcNow;
        // The listener retries within its back-off (at most 5 s), LISTENs again and runs one pass for what it missed.
        await Poll.UntilAsync(() => r.Simulator.Record.AddCount(whileAway) == 1, TimeSpan.FromSeconds(20),
            () => "the order placed during the outage was not dispatched:\n" + r.Engine.Output);
        await Poll.UntilAsync(() => ListeningAsync(r.Panel, r.Role), TimeSpan.FromSeconds(20), () => "the listener never came back:\n" + r.Engine.Output);

        var afterwards = $"https://instagram.com/p/{Guid.NewGuid():N}";
        var placed = Stopwatch.StartNew();
        await r.Panel.PlaceOrderAsync(r.User, r.Service, afterwards, 100);
        await Poll.UntilAsync(() => r.Simulator.Record.AddCount(afterwards) == 1, TimeSpan.FromSeconds(10), () => "a new order was not dispatched");
        Assert.True(placed.Elapsed < TimeSpan.FromSeconds(2), $"the add arrived {placed.ElapsedMilliseconds} ms after place_order");
        return restoredAt;
    }

    private static async Task AssertHeartbeatAndSchedulerResumeAsync(Restart r, DateTime restoredAt, long jobRunsBefore)
    {
        await Poll.UntilAsync(async () => await r.Panel.ScalarAsync<DateTime>(
                "SELECT max(heartbeat_at) FROM engine_instances WHERE host = 'restart'") > restoredAt,
            TimeSpan.FromSeconds(20), () => "the heartbeat did not advance:\n" + r.Engine.Output);
        // The scheduler fires again: the Heartbeat job, which only Quartz runs, counts runs past the outage.
        await Poll.UntilAsync(async () => await HeartbeatJobRunsAsync(r.Panel, "restart") > jobRunsBefore + 2, TimeSpan.FromSeconds(60),
            () => "the scheduler did not resume:\n" + r.Engine.Output);
    }

    private static void AssertTheOutageWasLoggedOnce(string output)
    {
        Assert.True(Count(output, "Database unreachable since") == 1, output);
        Assert.True(Count(output, "Database is back after") == 1, output);
        // What used to be logged once per attempt: the heartbeat, the listener, Quartz's cluster check-in and retries.
        foreach (var perAttempt in new[] { "Heartbeat of engine instance", "Listening for new orders failed", "Error managing cluster", "Transient exception" })
        {
            Assert.True(!output.Contains(perAttempt, StringComparison.Ordinal), $"'{perAttempt}' was logged:\n{output}");
        }

        Assert.DoesNotMatch(JobFailed(), output);
    }

    private static Task<bool> ListeningAsync(Panel panel, string role) => panel.ScalarAsync<bool>(
        "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE usename = $1 AND (query = 'LISTEN fulfillment_orders' OR query LIKE '%new-order listener keepalive'))", role);

    private static Task<long> HeartbeatJobRunsAsync(Panel panel, string host) => panel.ScalarAsync<long>(
        "SELECT coalesce(max((info->'jobs'->'Heartbeat'->>'runs')::bigint), 0) FROM engine_instances WHERE host = $1", host);

    /// <summary>
    /// Started, scheduler included (the Heartbeat job, which only Quartz runs, has run): an outage while
    /// the host is still starting fails the start, which systemd or the container platform then repeats.
    /// </summary>
    private static Task WaitUntilStartedAsync(Panel panel, string host, EngineProcess engine) =>
        Poll.UntilAsync(async () => await HeartbeatJobRunsAsync(panel, host) > 0, TimeSpan.FromSeconds(60),
            () => "the scheduler never ran a job:\n" + engine.Output);

    private static int Count(string text, string phrase) => Regex.Count(text, Regex.Escape(phrase));

    /// <summary>
    /// A job's own failure ("Job X failed", an error per run). Not the Debug line of a run during the outage ("Job X failed while
    /// the database is unreachable"), which the test expects: a job whose trigger fell in the outage (DispatchOrders, every
    /// 10 minutes, once did) logs it.
    /// </summary>
    [GeneratedRegex(@"Job \w+ failed(?! while the database is unreachable)")]
    private static partial Regex JobFailed();
}
