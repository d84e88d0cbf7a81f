namespace Fulfillment.Simulator;

/// <summary>
/// One request as received, and what the provider then did with it. The key's value is not kept, only whether it
/// was right. <see cref="Handling"/>, <see cref="Fault"/>, <see cref="CreatedOrderId"/>, <see cref="Refusal"/> and
/// <see cref="AnsweredAt"/> are filled in while the request is handled; read them once it is no longer in flight.
/// </summary>
public sealed record RecordedRequest(long Sequence, DateTimeOffset At, string Action, bool KeyValid, IReadOnlyDictionary<string, string> Fields)
{
    private int handling;

    public string? Field(string name) => Fields.GetValueOrDefault(name);

    /// <summary>
    /// <see cref="RequestHandling.Received"/> while in flight, and for good when the client went away before the
    /// provider's code ran; <see cref="RequestHandling.RefusedBeforeProcessing"/> or <see cref="RequestHandling.Processed"/> once decided.
    /// </summary>
    public RequestHandling Handling
    {
        get => (RequestHandling)Volatile.Read(ref handling);
        set => Volatile.Write(ref handling, (int)value);
    }

    /// <summary>The fault drawn for this request (<c>ServerError</c>, <c>TooManyRequests</c>, <c>HtmlPage</c> before processing;
    /// <c>EmptyBody</c>, <c>MalformedJson</c>, <c>AbortAfterAccept</c>, <c>TimeoutAfterAccept</c> after), or <c>Redirect</c>, or null.</summary>
    public string? Fault { get; set; }

    /// <summary>On an add (or getNumber): the order (activation) it created. Set whatever happened to the answer afterwards.</summary>
    public long? CreatedOrderId { get; set; }

    /// <summary>On a processed add: why it was refused (a duplicate of an active link, short funds, a bad field).</summary>
    public string? Refusal { get; set; }

    /// <summary>When the answer was written in full; null when the connection was dropped or the client left first.</summary>
    public DateTimeOffset? AnsweredAt { get; set; }
}

/// <summary>What the provider did with a request.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<RequestHandling>))]
public enum RequestHandling
{
    /// <summary>Arrived; nothing decided yet (still in flight, or the client left during the latency, before processing).</summary>
    Received,

    /// <summary>Answered without the provider's code running: a wrong key, a redirect, a gateway fault (5xx, 429, an HTML page).</summary>
    RefusedBeforeProcessing,

    /// <summary>The provider's code ran: for an add, an order was created or the add was refused on its merits (duplicate link included).</summary>
    Processed,
}
