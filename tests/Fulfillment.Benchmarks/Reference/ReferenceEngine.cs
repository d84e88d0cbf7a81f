using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Fulfillment.Benchmarks.Shared;
using Fulfillment.Engine.Database;
using Npgsql;

namespace Fulfillment.Benchmarks.Reference;

/// <summary>
/// <c>reference</c> (started by the <c>engine</c> verb, not by hand): the smallest correct program for the pickup path, the floor the
/// engine's pickup is read against. It LISTENs where the engine does, claims due pending orders in one commit (SKIP LOCKED,
/// <c>dispatching</c> under its own claim), posts each add to the order's provider with the engine's concurrency limit, and records
/// the answers in one commit (<c>in_progress</c> with the provider's order id; anything else to <c>review</c>, never sent twice).
/// No events, attempts, notifications, routes, checks or same-link rule: what is left is what any engine must do.
/// </summary>
public static class ReferenceEngine
{
    public const string Usage = "reference --connection CONNECTION_STRING [--max-concurrency N] [--batch-size N] (started by the engine verb)";

    /// <summary>The line it prints once it listens and has claimed what was placed before: ready for a window.</summary>
    public const string ReadyLine = "reference: ready";

    // One statement, so one commit: the lock, the claim and the route it goes out on. MATERIALIZED keeps the planner from
    // locking more rows than the limit; NO KEY UPDATE as the engine's claim takes it.
    private const string ClaimSql = """
        WITH batch AS MATERIALIZED (
            SELECT id FROM orders
            WHERE status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= now())
            ORDER BY id
            LIMIT $1
            FOR NO KEY UPDATE SKIP LOCKED)
        UPDATE orders o SET status = 'dispatching', claimed_by = $2, attempts = o.attempts + 1, provider_id = s.provider_id, updated_at = now()
        FROM batch b, services s, providers p
        WHERE o.id = b.id AND s.id = o.service_id AND p.id = s.provider_id
        RETURNING o.id, o.link, o.quantity, s.provider_service_id, p.api_url, p.api_key
        """;

    // Only orders still under this claim take the answer; an accepted one is in progress and due for its first check.
    private const string RecordSql = """
        UPDATE orders o SET
            status = CASE WHEN a.provider_order_id IS NULL THEN 'review' ELSE 'in_progress' END,
            provider_order_id = a.provider_order_id, error = a.error, claimed_by = NULL, updated_at = now(),
            dispatched_at = CASE WHEN a.provider_order_id IS NULL THEN o.dispatched_at ELSE now() END,
            next_check_at = CASE WHEN a.provider_order_id IS NULL THEN o.next_check_at ELSE now() END
        FROM unnest($1::bigint[], $2::text[], $3::text[]) AS a(id, provider_order_id, error)
        WHERE o.id = a.id AND o.status = 'dispatching' AND o.claimed_by = $4
        """;

    private sealed record Claimed(long Id, string Link, int Quantity, string Service, Uri Api, string Key);

    private sealed record Answer(long Id, string? ProviderOrderId, string? Error);

    public static async Task<int> RunAsync(string[] args)
    {
        if (VerbArgs.Parse(args, "connection", "max-concurrency", "batch-size") is not { } values || !values.TryGetValue("connection", out var connectionString))
        {
            Console.Error.WriteLine("usage: Fulfillment.Benchmarks " + Usage);
            return 2;
        }

        var concurrency = values.Count("max-concurrency", 32);
        var batchSize = values.Count("batch-size", 1000);
        using var stop = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        // As the engine's own data source: it leaves no session state, so no DISCARD ALL throws the server's cached plans away.
        await using var db = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { NoResetOnClose = true }.ConnectionString);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, UseCookies = false });
        using var sends = new SemaphoreSlim(concurrency);
        using var reference = new Runner(db, http, sends, Guid.NewGuid(), batchSize);
        await reference.RunAsync(stop.Token);
        return 0;
    }

    private sealed class Runner(NpgsqlDataSource db, HttpClient http, SemaphoreSlim sends, Guid instance, int batchSize) : IDisposable
    {
        private readonly SemaphoreSlim _wake = new(0, 1);
        private readonly List<Task> _inFlight = [];

        public async Task RunAsync(CancellationToken stop)
        {
            await using var listener = await db.OpenConnectionAsync(stop);
            listener.Notification += (_, _) => Signal();
            await using (var listen = new NpgsqlCommand($"LISTEN {NotifyChannels.Orders}", listener))
            {
                await listen.ExecuteNonQueryAsync(stop);
            }

            var listening = ListenAsync(listener, stop);
            await ClaimAllAsync();
            Console.WriteLine(ReadyLine);
            try
            {
                while (true)
                {
                    await _wake.WaitAsync(stop);
                    await ClaimAllAsync();
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // Stopping: what was claimed is sent and recorded first.
            }

            await Task.WhenAll(_inFlight);
            await listening;
        }

        public void Dispose() => _wake.Dispose();

        private static async Task ListenAsync(NpgsqlConnection listener, CancellationToken stop)
        {
            try
            {
                while (true)
                {
                    await listener.WaitAsync(stop);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // Stopping.
            }
        }

        private void Signal()
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // A claim is already due; it will see this order too.
            }
        }

        /// <summary>
        /// Claims until a batch comes back short (an order placed after that claim's snapshot has signalled a wake of its own);
        /// each batch goes out without waiting for the one before. Never cancelled: a claim committed is sent and recorded,
        /// whatever stops the program meanwhile.
        /// </summary>
        private async Task ClaimAllAsync()
        {
            _inFlight.RemoveAll(t => t.IsCompleted);
            List<Claimed> claimed;
            do
            {
                claimed = await ClaimAsync();
                if (claimed.Count > 0)
                {
                    _inFlight.Add(SendAndRecordAsync(claimed));
                }
            }
            while (claimed.Count == batchSize);
        }

        private async Task<List<Claimed>> ClaimAsync()
        {
            await using var command = db.CreateCommand(ClaimSql);
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = batchSize });
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = instance });
            var claimed = new List<Claimed>();
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                claimed.Add(new Claimed(reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2), reader.GetString(3), new Uri(reader.GetString(4)),
                    reader.GetString(5)));
            }

            return claimed;
        }

        private async Task SendAndRecordAsync(List<Claimed> claimed)
        {
            var answers = await Task.WhenAll(claimed.Select(SendAsync));
            await using var command = db.CreateCommand(RecordSql);
            command.Parameters.Add(new NpgsqlParameter { Value = answers.Select(a => a.Id).ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = answers.Select(a => (object?)a.ProviderOrderId ?? DBNull.Value).ToArray(), DataTypeName = "text[]" });
            command.Parameters.Add(new NpgsqlParameter { Value = answers.Select(a => (object?)a.Error ?? DBNull.Value).ToArray(), DataTypeName = "text[]" });
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = instance });
            await command.ExecuteNonQueryAsync();
        }

        /// <summary>One add; an answer without an order id, or none at all, is recorded as the error it was (the order goes to review).</summary>
        private async Task<Answer> SendAsync(Claimed order)
        {
            await sends.WaitAsync();
            try
            {
                using var form = new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["key"] = order.Key,
                    ["action"] = "add",
                    ["service"] = order.Service,
                    ["link"] = order.Link,
                    ["quantity"] = order.Quantity.ToString(CultureInfo.InvariantCulture),
                });
                using var response = await http.PostAsync(order.Api, form);
                var body = await response.Content.ReadAsStringAsync();
                using var json = JsonDocument.Parse(body);
                return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("order", out var id)
                    ? new Answer(order.Id, id.ToString(), null)
                    : new Answer(order.Id, null, "reference: " + body);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
            {
                return new Answer(order.Id, null, "reference: " + ex.Message);
            }
            finally
            {
                sends.Release();
            }
        }
    }
}
