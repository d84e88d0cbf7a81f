namespace Fulfillment.Tests.Infrastructure;

/// <summary>The public names of docs/contract.md that tests check the schema against.</summary>
public static class PanelContract
{
    /// <summary>docs/contract.md, "Tables (public columns)".</summary>
    public static readonly Dictionary<string, string[]> Columns = new()
    {
        ["users"] = ["id", "username", "email", "balance", "status", "created_at", "last_active_at", "deleted_at", "anonymized_at"],
        ["providers"] = ["id", "name", "kind", "api_url", "api_key", "enabled", "balance", "currency", "balance_checked_at", "min_balance", "alert_balance"],
        ["services"] = ["id", "name", "type", "provider_id", "provider_service_id", "rate", "min", "max", "dripfeed", "refill", "cancel", "enabled", "dripfeed_mode", "markup_percent"],
        ["orders"] = ["id", "user_id", "service_id", "link", "quantity", "charge", "params", "created_at", "status", "provider_id",
            "provider_order_id", "provider_status", "start_count", "remains", "refunded", "error", "held_by", "result",
            "dispatched_at", "finished_at", "updated_at", "provider_charge", "provider_currency", "parent_id"],
        ["service_routes"] = ["id", "service_id", "position", "provider_id", "provider_service_id", "enabled"],
        ["ledger"] = ["id", "user_id", "order_id", "kind", "amount", "balance_after", "reference", "created_at"],
        ["order_requests"] = ["id", "order_id", "kind", "status", "provider_ref", "message", "created_at", "updated_at"],
        ["order_events"] = ["id", "order_id", "at", "kind", "detail"],
        ["notifications"] = ["id", "user_id", "order_id", "kind", "payload", "created_at", "sent_at"],
        ["activity_log"] = ["id", "user_id", "ip", "action", "created_at"],
        ["support_tickets"] = ["id", "user_id", "subject", "status", "created_at", "last_message_at", "closed_at"],
        ["support_messages"] = ["id", "ticket_id", "body", "created_at"],
        ["erasure_requests"] = ["id", "user_id", "requested_at", "completed_at"],
        ["engine_instances"] = ["id", "host", "version", "started_at", "heartbeat_at", "info"],
        ["order_attempts"] = ["id", "order_id", "provider_id", "provider_service_id", "route_position", "upstream_rate", "sent_at", "outcome",
            "provider_order_id", "answered_at", "error"],
        ["operator_alerts"] = ["id", "kind", "subject_type", "subject_id", "message", "detail", "raised_at", "cleared_at", "acknowledged_at"],
        ["route_quarantines"] = ["provider_id", "service", "quarantined_until", "reason", "level", "updated_at"],
        ["price_changes"] = ["id", "service_id", "provider_id", "provider_service_id", "old_upstream_rate", "new_upstream_rate", "old_rate", "new_rate",
            "status", "seen_at", "decided_at"],
        ["service_stats"] = ["service_id", "orders_counted", "avg_seconds", "p90_seconds", "avg_seconds_per_1000", "updated_at"],
        ["provider_services"] = ["provider_id", "service", "name", "type", "category", "rate", "min", "max", "refill", "cancel", "dripfeed"],
    };

    /// <summary>docs/contract.md, "Functions: the panel's write API".</summary>
    public static readonly string[] WriteApi =
        ["place_order", "deposit", "request_cancel", "request_refill", "block_user", "request_erasure", "release_order", "lift_quarantine", "decide_price_change"];
}
