-- Queues a cancel. A run of an emulated drip-feed is canceled through its parent, and an emulated parent can always be
-- stopped, in review too (the cancel is honoured when it is released): its future runs were never sent, so they are not
-- "started" (ToS 4.3); it is closed by fulfillment_close_parents. An activation without a code may always be canceled.
CREATE OR REPLACE FUNCTION request_cancel(p_order_id bigint)
RETURNS bigint
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_status text;
    v_cancel boolean;
    v_parent bigint;
    v_emulated boolean;
    v_id bigint;
BEGIN
    SELECT o.status,
           coalesce(s.cancel, false)
           OR (s.type = 'Activation' AND coalesce(jsonb_array_length(o.result->'codes'), 0) = 0),
           o.parent_id,
           o.emulated_runs IS NOT NULL
      INTO v_status, v_cancel, v_parent, v_emulated
    FROM orders o LEFT JOIN services s ON s.id = o.service_id
    WHERE o.id = p_order_id
    FOR UPDATE OF o;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'order_not_found: order % does not exist', p_order_id;
    END IF;
    IF v_parent IS NOT NULL THEN
        RAISE EXCEPTION 'not_cancelable: order % is a run of drip-feed order %; cancel that order', p_order_id, v_parent;
    END IF;
    IF v_status IN ('completed', 'partial', 'canceled', 'failed') THEN
        RAISE EXCEPTION 'not_cancelable: order % is already %', p_order_id, v_status;
    END IF;
    IF v_emulated THEN
        RETURN (SELECT min(r) FROM fulfillment_close_parents(ARRAY[p_order_id], 'canceled_by_user', NULL) r);
    END IF;
    IF v_status = 'review' THEN
        RAISE EXCEPTION 'not_cancelable: order % is in review; resolve it with release_order', p_order_id;
    END IF;
    IF v_status IN ('dispatching', 'in_progress') AND NOT v_cancel AND NOT v_emulated THEN
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
