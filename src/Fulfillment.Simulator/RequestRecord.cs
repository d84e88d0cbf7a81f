using System.Collections.Concurrent;

namespace Fulfillment.Simulator;

/// <summary>
/// Every request the simulator received, and what it did with each, queryable by tests and over <c>/_sim/record</c>.
/// Counts are kept in concurrent dictionaries, so the hot path takes no lock; they are kept even when
/// <see cref="SimulatorSettings.RecordRequests"/> is off.
/// </summary>
public sealed class RequestRecord
{
    private readonly ConcurrentQueue<RecordedRequest> requests = new();
    private readonly ConcurrentDictionary<string, int> addsByLink = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> processedAddsByLink = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> byAction = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> inFlight = new(StringComparer.Ordinal);
    private long sequence;

    public long Total => Interlocked.Read(ref sequence);

    internal RecordedRequest Add(string action, bool keyValid, IReadOnlyDictionary<string, string> fields, DateTimeOffset at, SimulatorSettings settings)
    {
        var number = Interlocked.Increment(ref sequence);
        byAction.AddOrUpdate(action, 1, static (_, n) => n + 1);
        inFlight.AddOrUpdate(action, 1, static (_, n) => n + 1);
        if (action == "add" && fields.TryGetValue("link", out var link))
            addsByLink.AddOrUpdate(link, 1, static (_, n) => n + 1);
        var request = new RecordedRequest(number, at, action, keyValid, fields);
        if (settings.RecordRequests && requests.Count < settings.MaxRecordedRequests)
            requests.Enqueue(request);
        return request;
    }

    /// <summary>Answered (or dropped) without the provider's code running.</summary>
    internal static void RefusedBeforeProcessing(RecordedRequest request, string? fault)
    {
        request.Fault = fault;
        request.Handling = RequestHandling.RefusedBeforeProcessing;
    }

    /// <summary>The provider's code ran; for an add, <paramref name="createdOrderId"/> or <paramref name="refusal"/> says how it ended.</summary>
    internal void Processed(RecordedRequest request, long? createdOrderId = null, string? refusal = null)
    {
        request.CreatedOrderId = createdOrderId;
        request.Refusal = refusal;
        request.Handling = RequestHandling.Processed;
        if (request.Action == "add" && request.Fields.TryGetValue("link", out var link))
            processedAddsByLink.AddOrUpdate(link, 1, static (_, n) => n + 1);
    }

    /// <summary>The request's handler is done, answered or not: it is no longer in flight.</summary>
    internal void Done(RecordedRequest request) => inFlight.AddOrUpdate(request.Action, 0, static (_, n) => n - 1);

    /// <summary>How many add calls carried this link, whatever their outcome.</summary>
    public int AddCount(string link) => addsByLink.GetValueOrDefault(link);

    public IReadOnlyDictionary<string, int> AddsByLink() => new Dictionary<string, int>(addsByLink, StringComparer.Ordinal);

    /// <summary>
    /// How many add calls with this link the provider processed: those that created an order and those it refused on
    /// their merits (a duplicate of an active link included), not those refused before processing (a 429, a 5xx, a wrong key).
    /// </summary>
    public int ProcessedAddCount(string link) => processedAddsByLink.GetValueOrDefault(link);

    public IReadOnlyDictionary<string, int> ProcessedAddsByLink() => new Dictionary<string, int>(processedAddsByLink, StringComparer.Ordinal);

    public long Count(string action) => byAction.GetValueOrDefault(action);

    public IReadOnlyDictionary<string, long> CountsByAction() => new Dictionary<string, long>(byAction, StringComparer.Ordinal);

    /// <summary>Requests of <paramref name="action"/> received and not yet answered (or dropped) at this instant.</summary>
    public long InFlight(string action) => inFlight.GetValueOrDefault(action);

    /// <summary>Recorded requests in arrival order, all or those of one action.</summary>
    public IReadOnlyList<RecordedRequest> Requests(string? action = null) =>
        requests.Where(r => action is null || r.Action == action).OrderBy(r => r.Sequence).ToList();

    public void Clear()
    {
        requests.Clear();
        addsByLink.Clear();
        processedAddsByLink.Clear();
        byAction.Clear();
    }
}
