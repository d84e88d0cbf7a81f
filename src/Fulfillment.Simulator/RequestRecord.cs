using System.Collections.Concurrent;

namespace Fulfillment.Simulator;

/// <summary>
/// Every request the simulator received, queryable by tests and over <c>/_sim/record</c>.
/// Counts are kept in concurrent dictionaries, so the hot path takes no lock.
/// </summary>
public sealed class RequestRecord
{
    private readonly ConcurrentQueue<RecordedRequest> requests = new();
    private readonly ConcurrentDictionary<string, int> addsByLink = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> byAction = new(StringComparer.Ordinal);
    private long sequence;

    public long Total => Interlocked.Read(ref sequence);

    internal void Add(string action, bool keyValid, IReadOnlyDictionary<string, string> fields, DateTimeOffset at, SimulatorSettings settings)
    {
        var number = Interlocked.Increment(ref sequence);
        byAction.AddOrUpdate(action, 1, static (_, n) => n + 1);
        if (action == "add" && fields.TryGetValue("link", out var link))
            addsByLink.AddOrUpdate(link, 1, static (_, n) => n + 1);
        if (settings.RecordRequests && requests.Count < settings.MaxRecordedRequests)
            requests.Enqueue(new RecordedRequest(number, at, action, keyValid, fields));
    }

    /// <summary>How many add calls carried this link, whatever their outcome.</summary>
    public int AddCount(string link) => addsByLink.GetValueOrDefault(link);

    public IReadOnlyDictionary<string, int> AddsByLink() => new Dictionary<string, int>(addsByLink, StringComparer.Ordinal);

    public long Count(string action) => byAction.GetValueOrDefault(action);

    public IReadOnlyDictionary<string, long> CountsByAction() => new Dictionary<string, long>(byAction, StringComparer.Ordinal);

    /// <summary>Recorded requests in arrival order, all or those of one action.</summary>
    public IReadOnlyList<RecordedRequest> Requests(string? action = null) =>
        requests.Where(r => action is null || r.Action == action).OrderBy(r => r.Sequence).ToList();

    public void Clear()
    {
        requests.Clear();
        addsByLink.Clear();
        byAction.Clear();
    }
}
