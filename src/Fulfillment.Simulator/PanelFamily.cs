namespace Fulfillment.Simulator;

/// <summary>
/// Which panel software the simulator answers as. Each family answers the same orders in its own shapes, content type,
/// HTTP status and path, as its public source writes them (the provider tests' conformance corpus names each source).
/// </summary>
public enum PanelFamily
{
    /// <summary>The documented protocol (<c>/api/v2</c>, <c>{"error": ...}</c>, JSON): the simulator's own answers.</summary>
    Documented,

    /// <summary>
    /// SmartPanel (CodeIgniter): <c>/api/v1</c> (a POST to <c>/api/v2</c> gets CodeIgniter's 403 CSRF page), JSON sent as
    /// <c>text/html</c> and pretty-printed, a session cookie on every answer, its validation helper's
    /// <c>{"status":"error","message":...}</c> (a drip-feed interval it does not allow, and in later builds the same-link
    /// rule), <c>"id": "Incorrect order ID"</c> in multi-status, no refill or cancel, four-decimal money, snake-case types,
    /// custom comments split on <c>" | "</c> as well as new lines.
    /// </summary>
    SmartPanel,

    /// <summary>
    /// The PHP "SMM panel script": <c>/api/v2</c> only (any other path is a 302 to the site's root), JSON sent as
    /// <c>text/html</c> with a session cookie, errors carrying a numbered <c>status</c>, no multi-status, no cancel action
    /// (it prints <c>null</c>), refill flags as 1/2.
    /// </summary>
    PanelScript,

    /// <summary>
    /// A Laravel panel: <c>/api/v2</c>, <c>application/json</c>, every error HTTP 200 <c>{"error": ...}</c>, <c>quantity</c>
    /// required for every add, no refill status or cancel action (<c>Invalid action</c>), status words folded to four.
    /// </summary>
    Laravel,
}
