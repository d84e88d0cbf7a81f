-- An order in review is released by a person. 'retry' sends it again only when nothing says the
-- provider has it: with a provider order id it is tracked again instead (the provider has it), and
-- an order the provider accepted with an id the engine cannot use is refused (provider_has_order).
CREATE OR REPLACE FUNCTION release_order(p_order_id bigint, p_action text)
RETURNS void
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_order orders%ROWTYPE;
BEGIN
    IF p_action IS NULL OR p_action NOT IN ('retry', 'refund') THEN
        RAISE EXCEPTION 'invalid_action: action must be retry or refund, not %', coalesce(p_action, 'null');
    END IF;
    SELECT * INTO v_order FROM orders WHERE id = p_order_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'order_not_found: order % does not exist', p_order_id;
    END IF;
    IF v_order.status <> 'review' THEN
        RAISE EXCEPTION 'not_in_review: order % is %, not review', p_order_id, v_order.status;
    END IF;

    IF p_action = 'refund' THEN
        PERFORM fulfillment_finish_order(p_order_id, 'canceled', NULL, 'Canceled and refunded after review.', now(),
                                         jsonb_build_object('action', 'refund', 'by', 'release_order'), 'staff_decision');
    ELSIF v_order.provider_order_id IS NOT NULL THEN
        UPDATE orders SET status = 'in_progress', error = NULL, next_check_at = now(), claimed_by = NULL, updated_at = now()
        WHERE id = p_order_id;
        INSERT INTO order_events (order_id, kind, detail)
        VALUES (p_order_id, 'released', jsonb_build_object('action', 'retry', 'tracked', true, 'provider_order_id', v_order.provider_order_id));
    ELSIF EXISTS (SELECT 1 FROM order_events WHERE order_id = p_order_id AND kind = 'accepted_unusable') THEN
        RAISE EXCEPTION 'provider_has_order: the provider accepted order % with an id the engine cannot use; sending it again would deliver it twice. Find it at the provider, or release_order(id, ''refund'')', p_order_id;
    ELSE
        UPDATE orders
        SET status = 'pending', error = NULL, next_attempt_at = NULL, claimed_by = NULL, sending_at = NULL, updated_at = now()
        WHERE id = p_order_id;
        INSERT INTO order_events (order_id, kind, detail)
        VALUES (p_order_id, 'released', jsonb_build_object('action', 'retry'));
        PERFORM pg_notify('fulfillment_orders', p_order_id::text);
    END IF;
END;
$fn$;
