using System.Text.Json;
using Fulfillment.Engine.Alerts;
using Fulfillment.Engine.Jobs;
using Fulfillment.Worker.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Fulfillment.Tests.Infrastructure;

/// <summary>One row of <c>operator_alerts</c>.</summary>
public sealed record AlertRow(long Id, string SubjectType, string Message, JsonElement Detail, DateTimeOffset RaisedAt, DateTimeOffset? ClearedAt,
    DateTimeOffset? AcknowledgedAt);

/// <summary>One line the alert book logged, with its named properties.</summary>
public sealed record AlertLogLine(LogLevel Level, string Template, IReadOnlyDictionary<string, object?> Properties)
{
    public bool Is(string change, string kind, string subject) =>
        Template.StartsWith($"Alert {change}:", StringComparison.Ordinal) && Equals(Properties.GetValueOrDefault("Kind"), kind)
        && Equals(Properties.GetValueOrDefault("SubjectId"), subject);
}

/// <summary>
/// Runs WatchHealth, ReconcileMoney and SyncProviderServices as the job catalog composes them (the same step types from the engine's container), with one
/// change: their alert book logs here. The harness's engine logs at Warning through Serilog, which drops the book's Information lines
/// before any logger provider could see them, so the lines each raise and clear writes are read from this book instead.
/// </summary>
public sealed class AlertWatch(EngineHarness engine)
{
    private readonly KeptLog _log = new();

    public IReadOnlyList<AlertLogLine> Lines => _log.Lines;

    public Task WatchHealthAsync() => RunAsync(JobNames.WatchHealth);

    public Task ReconcileMoneyAsync() => RunAsync(JobNames.ReconcileMoney);

    public Task SyncProviderServicesAsync() => RunAsync(JobNames.SyncProviderServices);

    private async Task RunAsync(string job)
    {
        await using var scope = engine.Services.CreateAsyncScope();
        var book = ActivatorUtilities.CreateInstance<AlertBook>(scope.ServiceProvider, (ILogger<AlertBook>)_log);
        foreach (var step in engine.Services.GetRequiredService<JobCatalog>().Jobs[job])
        {
            await ((IEngineJob)ActivatorUtilities.CreateInstance(scope.ServiceProvider, step, book)).RunAsync(CancellationToken.None);
        }
    }

    /// <summary>Every alert of a kind and subject, oldest first.</summary>
    public async Task<IReadOnlyList<AlertRow>> RowsAsync(string kind, string subject)
    {
        await using var command = engine.Panel.DataSource.CreateCommand("""
            SELECT id, subject_type, message, detail::text, raised_at, cleared_at, acknowledged_at FROM operator_alerts
            WHERE kind = $1 AND subject_id = $2 ORDER BY id
            """);
        command.Parameters.Add(new() { Value = kind });
        command.Parameters.Add(new() { Value = subject });
        var rows = new List<AlertRow>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(new AlertRow(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), JsonDocument.Parse(reader.GetString(3)).RootElement.Clone(),
                reader.GetFieldValue<DateTimeOffset>(4), reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
                reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6)));
        }

        return rows;
    }

    /// <summary>
    /// Asserts the history of one kind and subject: <paramref name="rows"/> alerts of <paramref name="subjectType"/>, each but the last
    /// cleared, the last open or not as <paramref name="open"/> says; and one Information line per raise and per clear the engine made
    /// (<paramref name="clearedByHand"/> clears were made in the database, by lift_quarantine, and log nothing). Returns the last alert.
    /// </summary>
    public async Task<AlertRow> AssertAsync(string kind, string subjectType, string subject, int rows, bool open, int clearedByHand = 0)
    {
        var all = await RowsAsync(kind, subject);
        Assert.True(all.Count == rows, $"{kind} for {subject}: {all.Count} alert(s), expected {rows}");
        Assert.All(all, a => Assert.Equal(subjectType, a.SubjectType));
        Assert.All(all.SkipLast(1), a => Assert.NotNull(a.ClearedAt));
        Assert.Equal(open, all[^1].ClearedAt is null);
        Assert.Equal(0L, await engine.Panel.ScalarAsync<long>("""
            SELECT count(*) FROM (SELECT 1 FROM operator_alerts WHERE cleared_at IS NULL GROUP BY kind, subject_type, subject_id HAVING count(*) > 1) x
            """));

        var raised = Lines.Where(l => l.Is("raised", kind, subject)).ToList();
        var cleared = Lines.Where(l => l.Is("cleared", kind, subject)).ToList();
        Assert.True(raised.Count == rows, $"{kind} for {subject}: {raised.Count} 'raised' line(s) for {rows} alert(s)");
        Assert.True(cleared.Count == all.Count(a => a.ClearedAt is not null) - clearedByHand,
            $"{kind} for {subject}: {cleared.Count} 'cleared' line(s) for {all.Count(a => a.ClearedAt is not null)} cleared alert(s), {clearedByHand} by hand");
        Assert.All(raised.Concat(cleared), l => Assert.Equal(LogLevel.Information, l.Level));
        return all[^1];
    }

    /// <summary>The engine's clock, as PostgreSQL keeps it (microseconds): an alert raised or cleared now carries this time.</summary>
    public static void AssertAt(DateTimeOffset clock, DateTimeOffset? stored)
    {
        Assert.NotNull(stored);
        Assert.True((stored.Value - clock).Duration() < TimeSpan.FromMicroseconds(1), $"stored {stored:O}, clock {clock:O}");
    }

    /// <summary>Asserts that no alert of a kind was ever raised for the subject, and no line logged for it.</summary>
    public async Task AssertNoneAsync(string kind, string subject)
    {
        Assert.Empty(await RowsAsync(kind, subject));
        Assert.DoesNotContain(Lines, l => l.Is("raised", kind, subject) || l.Is("cleared", kind, subject));
    }

    private sealed class KeptLog : ILogger<AlertBook>
    {
        private readonly List<AlertLogLine> _lines = [];

        public IReadOnlyList<AlertLogLine> Lines
        {
            get
            {
                lock (_lines)
                {
                    return [.. _lines];
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var properties = state as IEnumerable<KeyValuePair<string, object?>> ?? [];
            var named = properties.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
            var line = new AlertLogLine(logLevel, named.GetValueOrDefault("{OriginalFormat}") as string ?? formatter(state, exception), named);
            lock (_lines)
            {
                _lines.Add(line);
            }
        }
    }
}
