CREATE OR REPLACE FUNCTION request_refill(p_order_id bigint)
RETURNS bigint
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_status text;
    v_refill boolean;
    v_id bigint;
BEGIN
    SELECT o.status, coalesce(s.refill, false) INTO v_status, v_refill
    FROM orders o LEFT JOIN services s ON s.id = o.service_id
    WHERE o.id = p_order_id
    FOR UPDATE OF o;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'order_not_found: order % does not exist', p_order_id;
    END IF;
    IF NOT v_refill THEN
        RAISE EXCEPTION 'not_refillable: the service of order % does not offer refill', p_order_id;
    END IF;
    IF v_status NOT IN ('completed', 'partial') THEN
        RAISE EXCEPTION 'not_refillable: order % is %; only completed or partial orders can be refilled', p_order_id, v_status;
    END IF;

    SELECT id INTO v_id FROM order_requests
    WHERE order_id = p_order_id AND kind = 'refill' AND status IN ('pending', 'sent');
    IF FOUND THEN
        RETURN v_id;
    END IF;

    INSERT INTO order_requests (order_id, kind) VALUES (p_order_id, 'refill') RETURNING id INTO v_id;
    INSERT INTO order_events (order_id, kind, detail)
    VALUES (p_order_id, 'refill_requested', jsonb_build_object('request_id', v_id));
    PERFORM pg_notify('fulfillment_requests', v_id::text);
    RETURN v_id;
END;
$fn$;
