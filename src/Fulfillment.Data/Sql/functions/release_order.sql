-- An order in review is released by a person. First its attempts whose outcome is not known (sending, or an answer lost) are
-- settled, saying who decided and how: from then on nothing waits for them. 'refund' cancels it with a full refund; an emulated
-- drip-feed parent is closed instead (fulfillment_close_parents) and refunded what its runs did not deliver. 'retry' sends it
-- again only when nothing says a provider has it: an accepted attempt with an id is tracked again instead (its count of answers
-- that did not know it starting afresh), and one accepted with an
-- id the engine cannot use is refused (provider_has_order); a parent resumes its runs, honouring a cancel that is pending.
CREATE OR REPLACE FUNCTION release_order(p_order_id bigint, p_action text)
RETURNS void
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_order orders%ROWTYPE;
    v_accepted order_attempts%ROWTYPE;
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

    UPDATE order_attempts
    SET outcome = 'settled', answered_at = now(),
        error = format('Settled by %s with release_order(%s) at %s', session_user, p_action, now()) || coalesce('; it was: ' || error, '')
    WHERE order_id = p_order_id AND outcome IN ('sending', 'unknown');

    IF v_order.emulated_runs IS NOT NULL THEN
        IF p_action = 'refund' THEN
            PERFORM fulfillment_close_parents(ARRAY[p_order_id], 'staff_decision', 'Refunded after review: stopped; what was not delivered is refunded.');
        END IF;
        UPDATE orders SET status = 'in_progress', error = NULL, next_attempt_at = now(), claimed_by = NULL, updated_at = now() WHERE id = p_order_id;
        INSERT INTO order_events (order_id, kind, detail) VALUES (p_order_id, 'released', jsonb_build_object('action', p_action, 'runs', 'resumed'));
        RETURN;
    END IF;

    SELECT * INTO v_accepted FROM order_attempts WHERE order_id = p_order_id AND outcome = 'accepted' ORDER BY id DESC LIMIT 1;
    IF p_action = 'refund' THEN
        PERFORM fulfillment_finish_order(p_order_id, 'canceled', NULL, 'Canceled and refunded after review.', now(),
                                         jsonb_build_object('action', 'refund', 'by', 'release_order'), 'staff_decision');
    ELSIF coalesce(v_order.provider_order_id, v_accepted.provider_order_id) IS NOT NULL THEN
        UPDATE orders
        SET status = 'in_progress', provider_order_id = coalesce(v_order.provider_order_id, v_accepted.provider_order_id),
            provider_id = coalesce(v_accepted.provider_id, provider_id), dispatched_at = coalesce(dispatched_at, v_accepted.answered_at, now()),
            error = NULL, next_check_at = now(), unknown_answers = 0, claimed_by = NULL, updated_at = now()
        WHERE id = p_order_id;
        INSERT INTO order_events (order_id, kind, detail)
        VALUES (p_order_id, 'released', jsonb_build_object('action', 'retry', 'tracked', true,
                'provider_order_id', coalesce(v_order.provider_order_id, v_accepted.provider_order_id)));
    ELSIF v_accepted.id IS NOT NULL OR EXISTS (SELECT 1 FROM order_events WHERE order_id = p_order_id AND kind = 'accepted_unusable') THEN
        RAISE EXCEPTION 'provider_has_order: the provider accepted order % with an id the engine cannot use; sending it again would deliver it twice. Find it at the provider, or release_order(id, ''refund'')', p_order_id;
    ELSE
        UPDATE orders
        SET status = 'pending', error = NULL, next_attempt_at = NULL, claimed_by = NULL, updated_at = now()
        WHERE id = p_order_id;
        INSERT INTO order_events (order_id, kind, detail)
        VALUES (p_order_id, 'released', jsonb_build_object('action', 'retry'));
        PERFORM pg_notify('fulfillment_orders', p_order_id::text);
    END IF;
END;
$fn$;
