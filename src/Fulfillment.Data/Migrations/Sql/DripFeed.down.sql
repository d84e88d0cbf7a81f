-- Back to request_cancel as Activations.up.sql left it; runs notify like any order again.
DROP TRIGGER IF EXISTS notifications_parent_only ON notifications;
DROP FUNCTION IF EXISTS fulfillment_notify_parent_only();

CREATE OR REPLACE FUNCTION request_cancel(p_order_id bigint)
RETURNS bigint
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_status text;
    v_cancel boolean;
    v_id bigint;
BEGIN
    SELECT o.status,
           coalesce(s.cancel, false)
           OR (s.type = 'Activation' AND coalesce(jsonb_array_length(o.result->'codes'), 0) = 0)
      INTO v_status, v_cancel
    FROM orders o LEFT JOIN services s ON s.id = o.service_id
    WHERE o.id = p_order_id
    FOR UPDATE OF o;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'order_not_found: order % does not exist', p_order_id;
    END IF;
    IF v_status IN ('completed', 'partial', 'canceled', 'failed') THEN
        RAISE EXCEPTION 'not_cancelable: order % is already %', p_order_id, v_status;
    END IF;
    IF v_status = 'review' THEN
        RAISE EXCEPTION 'not_cancelable: order % is in review; resolve it with release_order', p_order_id;
    END IF;
    IF v_status IN ('dispatching', 'in_progress') AND NOT v_cancel THEN
        RAISE EXCEPTION 'not_cancelable: order % has started and its service does not allow cancel', p_order_id;
    END IF;

    SELECT id INTO v_id FROM order_requests
    WHERE order_id = p_order_id AND kind = 'cancel' AND status IN ('pending', 'sent');
    IF FOUND THEN
        RETURN v_id;
    END IF;

    INSERT INTO order_requests (order_id, kind) VALUES (p_order_id, 'cancel') RETURNING id INTO v_id;
    INSERT INTO order_events (order_id, kind, detail)
    VALUES (p_order_id, 'cancel_requested', jsonb_build_object('request_id', v_id));
    PERFORM pg_notify('fulfillment_requests', v_id::text);
    RETURN v_id;
END;
$fn$;

DO $secure$ BEGIN PERFORM fulfillment_secure_functions(); END $secure$;
