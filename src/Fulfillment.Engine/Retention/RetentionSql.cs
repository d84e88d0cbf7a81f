using Fulfillment.Data.Entities;

namespace Fulfillment.Engine.Retention;

/// <summary>SQL fragments more than one retention step must spell the same way.</summary>
internal static class RetentionSql
{
    /// <summary>Only finished orders are touched: an active order's link and parameters are still being delivered.</summary>
    public static readonly string Terminal = $"({string.Join(", ", OrderStatus.Terminal.Select(s => $"'{s}'"))})";

    /// <summary>
    /// A blocked account is evidence in its dispute (chargeback, fraud) until the hold ends. A panel that
    /// blocks by hand may leave <c>blocked_at</c> empty; the account's creation then stands in for it.
    /// </summary>
    public const string NotHeld = "NOT (t.status = 'blocked' AND coalesce(t.blocked_at, t.created_at) > @hold_cutoff)";

    /// <summary>
    /// What anonymising an order clears (alias <c>o</c>): the link and its normalised key, the type's
    /// fields (comments, usernames, …), the result (an activation's phone and codes) and anything after
    /// the first colon of the provider's last word (<c>STATUS_OK:CODE</c>, <c>ACCESS_NUMBER:ID:PHONE</c>).
    /// Quantity, charge, refund, status and timestamps stay: they are the transaction record.
    /// </summary>
    public const string AnonymizeOrder = """
        link = '', link_key = NULL, params = '{}'::jsonb, result = NULL, error = NULL,
        provider_status = split_part(o.provider_status, ':', 1), anonymized_at = @now, updated_at = @now
        """;

    /// <summary>Keys of <c>order_events.detail</c> that never carry free text: the rest may quote a link, a provider or a person.</summary>
    private static readonly string[] EventKeysKept =
    [
        "charge", "units", "refund", "from", "status", "stage", "action", "user_reason", "instance", "provider_order_id", "request_id",
        "held_by", "blocker", "after", "next_attempt_at", "tracked", "remains", "start_count", "confirmed",
    ];

    /// <summary>
    /// CTEs clearing what an anonymised order leaves behind elsewhere (002 §8): the free text of its
    /// audit events (errors, reasons, the provider's words), of its cancel and refill requests, and of its send attempts.
    /// <paramref name="orders"/> names an earlier CTE with a column <c>id</c> of the orders anonymised.
    /// </summary>
    public static string ScrubTrails(string orders) => $$"""
        scrubbed_events_{{orders}} AS (
            UPDATE order_events e
            SET detail = (SELECT coalesce(jsonb_object_agg(d.key, d.value), '{}'::jsonb) FROM jsonb_each(e.detail) d
                          WHERE d.key IN ({{string.Join(", ", EventKeysKept.Select(k => $"'{k}'"))}}))
            WHERE e.order_id IN (SELECT id FROM {{orders}})),
        scrubbed_requests_{{orders}} AS (
            UPDATE order_requests r SET message = NULL WHERE r.order_id IN (SELECT id FROM {{orders}}) AND r.message IS NOT NULL),
        scrubbed_attempts_{{orders}} AS ({{Lifecycle.AttemptWriter.ScrubErrors(orders)}})
        """;

    /// <summary>
    /// A drip-feed run (alias <paramref name="order"/>) goes with its parent: it is anonymised or purged only once its parent has
    /// ended (the parent counts its runs until then), never before.
    /// </summary>
    public static string NotARunOfAnOpenParent(string order) =>
        $"NOT EXISTS (SELECT 1 FROM orders rp WHERE rp.id = {order}.parent_id AND rp.status NOT IN {Terminal})";
}
