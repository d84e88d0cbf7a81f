-- Closes emulated drip-feed parents, whatever asks it: a user's cancel, a refund after review, a blocked or departed account.
-- The parent's own cancel request (with its user-facing reason) marks it stopping; the drip-feed pass finishes it once its
-- runs have ended, refunding what was not delivered. Its runs not sent yet are canceled now (a run a dispatch claim holds right
-- now, or one a provider may hold after a lost answer, is left to the pass's next look), and its runs in progress are asked to
-- stop at the provider where the service allows cancel. Returns the parents' open cancel requests.
CREATE OR REPLACE FUNCTION fulfillment_close_parents(p_ids bigint[], p_reason text, p_message text, p_at timestamptz DEFAULT now())
RETURNS SETOF bigint
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_runs bigint[];
    v_asked integer;
BEGIN
    PERFORM fulfillment_user_reason(p_reason, 'canceled');

    WITH marked AS (
        INSERT INTO order_requests (order_id, kind, message, reason, created_at, updated_at)
        SELECT p.id, 'cancel', p_message, p_reason, p_at, p_at FROM orders p
        WHERE p.id = ANY(p_ids) AND p.emulated_runs IS NOT NULL AND p.status NOT IN ('completed', 'partial', 'canceled', 'failed')
          AND NOT EXISTS (SELECT 1 FROM order_requests r WHERE r.order_id = p.id AND r.kind = 'cancel' AND r.status IN ('pending', 'sent'))
        RETURNING order_id, id)
    INSERT INTO order_events (order_id, at, kind, detail)
    SELECT order_id, p_at, 'cancel_requested', jsonb_build_object('request_id', id, 'user_reason', p_reason) FROM marked;

    SELECT array_agg(x.id ORDER BY x.id) INTO v_runs FROM (
        SELECT r.id FROM orders r
        WHERE r.parent_id = ANY(p_ids) AND r.status IN ('pending', 'held')
          AND NOT EXISTS (SELECT 1 FROM order_attempts a WHERE a.order_id = r.id AND a.outcome IN ('sending', 'unknown'))
        ORDER BY r.id
        FOR NO KEY UPDATE OF r SKIP LOCKED) x;
    IF v_runs IS NOT NULL THEN
        PERFORM fulfillment_finish_orders(v_runs, array_fill('canceled'::text, ARRAY[cardinality(v_runs)]), NULL,
            array_fill(('Not sent: its drip-feed order was stopped (' || p_reason || ').')::text, ARRAY[cardinality(v_runs)]), p_at,
            array_fill(jsonb_build_object('stage', 'dripfeed'), ARRAY[cardinality(v_runs)]), NULL, NULL,
            array_fill(p_reason, ARRAY[cardinality(v_runs)]));
    END IF;

    WITH asked AS (
        INSERT INTO order_requests (order_id, kind, message, reason, created_at, updated_at)
        SELECT r.id, 'cancel', 'Requested by the engine: its drip-feed order ' || r.parent_id || ' was stopped.', p_reason, p_at, p_at
        FROM orders r JOIN services s ON s.id = r.service_id
        WHERE r.parent_id = ANY(p_ids) AND r.status = 'in_progress' AND s.cancel
          AND NOT EXISTS (SELECT 1 FROM order_requests q WHERE q.order_id = r.id AND q.kind = 'cancel')
        RETURNING order_id, id),
    logged AS (
        INSERT INTO order_events (order_id, at, kind, detail)
        SELECT order_id, p_at, 'cancel_requested', jsonb_build_object('request_id', id, 'reason', 'drip-feed stopped') FROM asked)
    SELECT count(*) INTO v_asked FROM asked;
    IF v_asked > 0 THEN
        PERFORM pg_notify('fulfillment_requests', '');
    END IF;

    RETURN QUERY SELECT r.id FROM order_requests r
    WHERE r.order_id = ANY(p_ids) AND r.kind = 'cancel' AND r.status IN ('pending', 'sent') ORDER BY r.id;
END;
$fn$;
