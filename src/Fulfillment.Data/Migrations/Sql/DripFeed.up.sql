-- Drip-feed the engine runs itself (services.dripfeed_mode, orders.parent_id). An emulated drip-feed order is a
-- parent the engine never sends; its runs are child orders, charged nothing (the parent carries the one charge
-- and, when it ends, the one refund), and the user hears about the parent only.

-- request_cancel: a run is canceled through its parent, and an emulated parent can always be stopped: its
-- future runs were never sent, so they are not "started" (ToS 4.3); only its run in progress is asked to
-- the provider, and only where the service allows cancel. Otherwise as in Activations.up.sql.
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

-- Notifications are for the parent only: a run's outcome reaches the user through its parent, so whatever
-- writes a notification for a run (the finish of a run, written by fulfillment_finish_orders like any
-- order's) writes nothing.
CREATE OR REPLACE FUNCTION fulfillment_notify_parent_only()
RETURNS trigger
LANGUAGE plpgsql
AS $fn$
BEGIN
    IF EXISTS (SELECT 1 FROM orders o WHERE o.id = NEW.order_id AND o.parent_id IS NOT NULL) THEN
        RETURN NULL;
    END IF;
    RETURN NEW;
END;
$fn$;

DROP TRIGGER IF EXISTS notifications_parent_only ON notifications;
CREATE TRIGGER notifications_parent_only BEFORE INSERT ON notifications
    FOR EACH ROW WHEN (NEW.order_id IS NOT NULL)
    EXECUTE FUNCTION fulfillment_notify_parent_only();

-- fulfillment_secure_functions as DatabaseBoundary.up.sql wrote it read its schema with current_schema(), which
-- under its own pinned search path (pg_catalog first) is pg_catalog: every call after the first found nothing,
-- so a function created or replaced by a later migration kept no pinned search path and the write API lost
-- SECURITY DEFINER (DatabaseBoundaryTests caught it here). It now names the schema it lives in.
CREATE OR REPLACE FUNCTION fulfillment_secure_functions()
RETURNS void
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_schema text := (SELECT n.nspname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                      WHERE p.oid = 'fulfillment_secure_functions()'::regprocedure);
    v_fn record;
BEGIN
    FOR v_fn IN
        SELECT p.oid::regprocedure AS signature, p.proname AS name
        FROM pg_proc p
        WHERE p.pronamespace = v_schema::regnamespace
          AND (p.proname LIKE 'fulfillment\_%'
               OR p.proname IN ('place_order', 'deposit', 'request_cancel', 'request_refill', 'block_user', 'request_erasure', 'release_order'))
    LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog, %I, pg_temp', v_fn.signature, v_schema);
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', v_fn.signature);
        IF v_fn.name NOT LIKE 'fulfillment\_%' THEN
            EXECUTE format('ALTER FUNCTION %s SECURITY DEFINER', v_fn.signature);
        END IF;
    END LOOP;
END;
$fn$;

DO $secure$ BEGIN PERFORM fulfillment_secure_functions(); END $secure$;
