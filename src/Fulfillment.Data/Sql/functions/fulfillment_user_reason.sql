-- What a user may read about an order's end (notifications.payload.reason): the fixed vocabulary, and
-- subscription_expired, a subscription that reached its expiry date before all its posts were served.
CREATE OR REPLACE FUNCTION fulfillment_user_reason(p_reason text, p_status text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE
AS $fn$
BEGIN
    IF p_reason IS NULL THEN
        RETURN CASE p_status WHEN 'completed' THEN 'delivered' WHEN 'partial' THEN 'partially_delivered' ELSE 'not_delivered' END;
    END IF;
    IF p_reason NOT IN ('delivered', 'partially_delivered', 'not_delivered', 'canceled_by_user', 'account_blocked', 'invalid_order',
                        'service_unavailable', 'duplicate_link', 'staff_decision', 'no_code_received', 'subscription_expired') THEN
        RAISE EXCEPTION 'invalid_argument: % is not a user-facing reason', p_reason;
    END IF;
    RETURN p_reason;
END;
$fn$;
