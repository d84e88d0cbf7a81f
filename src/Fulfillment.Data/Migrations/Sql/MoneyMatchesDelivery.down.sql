-- Back to charging rate x quantity whatever the type, finishing without user-facing reasons, and the
-- guard and release_order of before (the definitions of WriteApi.up.sql, Conflicts.up.sql, FinishInSets.up.sql).
DROP FUNCTION IF EXISTS fulfillment_finish_order(bigint, text, bigint, text, timestamptz, jsonb, text);
DROP FUNCTION IF EXISTS fulfillment_finish_orders(bigint[], text[], bigint[], text[], timestamptz, jsonb[], text[], bigint[], text[]);
DROP FUNCTION IF EXISTS fulfillment_user_reason(text, text);
DROP FUNCTION IF EXISTS fulfillment_charge(text, numeric, bigint);
DROP FUNCTION IF EXISTS fulfillment_partial_refund(numeric, bigint, bigint);
DROP FUNCTION IF EXISTS fulfillment_order_units(text, integer, jsonb);
DROP FUNCTION IF EXISTS fulfillment_param_int(jsonb, text);
DROP FUNCTION IF EXISTS fulfillment_line_count(text);
DROP FUNCTION IF EXISTS fulfillment_list_text(jsonb);
DROP FUNCTION IF EXISTS fulfillment_link_problem(text, boolean);
DROP FUNCTION IF EXISTS fulfillment_service_type(text);

CREATE OR REPLACE FUNCTION fulfillment_charge(p_service_type text, p_rate numeric, p_quantity integer)
RETURNS numeric
LANGUAGE sql IMMUTABLE STRICT
AS $fn$
    SELECT CASE
        WHEN p_service_type IN ('Package', 'Activation') THEN round(p_rate, 6)
        ELSE round(p_rate * p_quantity / 1000, 6)
    END;
$fn$;

CREATE OR REPLACE FUNCTION fulfillment_partial_refund(p_charge numeric, p_remains bigint, p_quantity integer)
RETURNS numeric
LANGUAGE sql IMMUTABLE STRICT
AS $fn$
    SELECT CASE
        WHEN p_quantity <= 0 THEN 0::numeric
        ELSE trunc(p_charge * least(greatest(p_remains, 0), p_quantity)::numeric / p_quantity, 6)
    END;
$fn$;

CREATE OR REPLACE FUNCTION fulfillment_finish_orders(
    p_ids bigint[], p_statuses text[], p_remains bigint[], p_errors text[], p_at timestamptz, p_details jsonb[] DEFAULT NULL,
    p_provider_statuses text[] DEFAULT NULL, p_start_counts bigint[] DEFAULT NULL)
RETURNS SETOF bigint
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_bad text;
    v_missing bigint;
    v_ids bigint[];
    v_users bigint[];
    v_from text[];
    v_statuses text[];
    v_remains bigint[];
    v_errors text[];
    v_details jsonb[];
    v_provider_statuses text[];
    v_start_counts bigint[];
    v_charges numeric[];
    v_refunds numeric[];
BEGIN
    IF coalesce(cardinality(p_ids), 0) <> coalesce(cardinality(p_statuses), 0) THEN
        RAISE EXCEPTION 'invalid_argument: % order ids but % statuses', coalesce(cardinality(p_ids), 0), coalesce(cardinality(p_statuses), 0);
    END IF;
    IF array_position(p_ids, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'invalid_argument: order id % of the batch is NULL', array_position(p_ids, NULL);
    END IF;
    SELECT coalesce(s, 'NULL') INTO v_bad FROM unnest(p_statuses) s
    WHERE s IS NULL OR s NOT IN ('completed', 'partial', 'canceled', 'failed') LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'invalid_status: % is not a terminal status', v_bad;
    END IF;

    -- Lock every order named (in id order), then decide from the locked rows.
    WITH f AS (
        SELECT DISTINCT ON (x.id) x.id, x.status, x.remains, x.error, x.detail, x.provider_status, x.start_count
        FROM unnest(p_ids, p_statuses, p_remains, p_errors, p_details, p_provider_statuses, p_start_counts)
            WITH ORDINALITY AS x(id, status, remains, error, detail, provider_status, start_count, n)
        ORDER BY x.id, x.n),
    o AS MATERIALIZED (
        SELECT o.id, o.user_id, o.status, o.quantity, o.charge FROM orders o
        WHERE o.id IN (SELECT id FROM f)
        ORDER BY o.id
        FOR NO KEY UPDATE),
    d AS (
        SELECT f.id AS requested, o.id, o.user_id, o.status AS from_status, f.status, f.remains, f.error, f.detail,
               f.provider_status, f.start_count, o.charge,
               CASE f.status
                   WHEN 'completed' THEN 0::numeric
                   WHEN 'partial' THEN fulfillment_partial_refund(coalesce(-l.amount, 0), coalesce(f.remains, 0), o.quantity)
                   ELSE coalesce(-l.amount, 0)
               END AS refund
        FROM f
        LEFT JOIN o ON o.id = f.id
        LEFT JOIN ledger l ON l.order_id = o.id AND l.kind = 'charge')
    SELECT min(d.requested) FILTER (WHERE d.id IS NULL),
           array_agg(d.id ORDER BY d.id) FILTER (WHERE d.from_status NOT IN ('completed', 'partial', 'canceled', 'failed')),
           array_agg(d.user_id ORDER BY d.id) FILTER (WHERE d.from_status NOT IN ('completed', 'partial', 'canceled', 'failed')),
           array_agg(d.from_status ORDER BY d.id) FILTER (WHERE d.from_status NOT IN ('completed', 'partial', 'canceled', 'failed')),
           array_agg(d.status ORDER BY d.id) FILTER (WHERE d.from_status NOT IN ('completed', 'partial', 'canceled', 'failed')),
           array_agg(d.remains ORDER BY d.id) FILTER (WHERE d.from_status NOT IN ('completed', 'partial', 'canceled', 'failed')),
           array_agg(d.error ORDER BY d.id) FILTER (WHERE d.from_status NOT IN ('completed', 'partial', 'canceled', 'failed')),
           array_agg(d.detail ORDER BY d.id) FILTER (WHERE d.from_status NOT IN ('completed', 'partial', 'canceled', 'failed')),
           array_agg(d.provider_status ORDER BY d.id) FILTER (WHERE d.from_status NOT IN ('completed', 'partial', 'canceled', 'failed')),
           array_agg(d.start_count ORDER BY d.id) FILTER (WHERE d.from_status NOT IN ('completed', 'partial', 'canceled', 'failed')),
           array_agg(d.charge ORDER BY d.id) FILTER (WHERE d.from_status NOT IN ('completed', 'partial', 'canceled', 'failed')),
           array_agg(d.refund ORDER BY d.id) FILTER (WHERE d.from_status NOT IN ('completed', 'partial', 'canceled', 'failed'))
    INTO v_missing, v_ids, v_users, v_from, v_statuses, v_remains, v_errors, v_details, v_provider_statuses, v_start_counts, v_charges, v_refunds
    FROM d;
    IF v_missing IS NOT NULL THEN
        RAISE EXCEPTION 'order_not_found: order % does not exist', v_missing;
    END IF;
    IF v_ids IS NULL THEN
        RETURN;
    END IF;

    -- The orders, their audit events and the users' notifications.
    WITH r AS (
        SELECT * FROM unnest(v_ids, v_users, v_from, v_statuses, v_remains, v_errors, v_details, v_provider_statuses, v_start_counts, v_charges, v_refunds)
            AS r(id, user_id, from_status, status, remains, error, detail, provider_status, start_count, charge, refund)),
    finished AS (
        UPDATE orders o
        SET status = r.status,
            refunded = r.refund,
            remains = coalesce(r.remains, o.remains),
            -- The provider's answer replaces an earlier error (a failed check); otherwise an error stays.
            error = CASE WHEN r.provider_status IS NOT NULL THEN r.error ELSE coalesce(r.error, o.error) END,
            provider_status = coalesce(r.provider_status, o.provider_status),
            start_count = coalesce(r.start_count, o.start_count),
            finished_at = p_at,
            updated_at = p_at,
            held_by = NULL
        FROM r WHERE o.id = r.id),
    events AS (
        INSERT INTO order_events (order_id, at, kind, detail)
        SELECT r.id, p_at, r.status,
               coalesce(r.detail, '{}'::jsonb) || jsonb_build_object('from', r.from_status, 'refund', r.refund, 'error', r.error)
        FROM r)
    INSERT INTO notifications (user_id, order_id, kind, payload, created_at)
    SELECT r.user_id, r.id, 'order_' || r.status,
           jsonb_build_object('order_id', r.id, 'status', r.status, 'charge', r.charge, 'refund', r.refund, 'error', r.error), p_at
    FROM r;

    -- The money, last, so the balance rows are held only for these three statements: lock them in
    -- id order (every finisher does, so two never deadlock on each other), move each once by its
    -- total, then one refund row per order continuing the chain in order id order.
    PERFORM 1 FROM users
    WHERE id IN (SELECT x.user_id FROM unnest(v_users, v_refunds) x(user_id, refund) WHERE x.refund > 0)
    ORDER BY id
    FOR NO KEY UPDATE;

    UPDATE users u SET balance = u.balance + t.total
    FROM (SELECT x.user_id, sum(x.refund) AS total FROM unnest(v_users, v_refunds) x(user_id, refund) WHERE x.refund > 0 GROUP BY x.user_id) t
    WHERE u.id = t.user_id;

    INSERT INTO ledger (user_id, order_id, kind, amount, balance_after)
    SELECT x.user_id, x.id, 'refund', x.refund,
           u.balance - sum(x.refund) OVER (PARTITION BY x.user_id) + sum(x.refund) OVER (PARTITION BY x.user_id ORDER BY x.id)
    FROM unnest(v_ids, v_users, v_refunds) x(id, user_id, refund)
    JOIN users u ON u.id = x.user_id
    WHERE x.refund > 0
    ORDER BY x.user_id, x.id;

    RETURN QUERY SELECT unnest(v_ids);
END;
$fn$;

CREATE OR REPLACE FUNCTION fulfillment_finish_order(
    p_order_id bigint, p_status text, p_remains bigint, p_error text, p_at timestamptz, p_detail jsonb DEFAULT '{}'::jsonb)
RETURNS boolean
LANGUAGE plpgsql
AS $fn$
BEGIN
    RETURN EXISTS (SELECT 1 FROM fulfillment_finish_orders(ARRAY[p_order_id], ARRAY[p_status], ARRAY[p_remains], ARRAY[p_error], p_at, ARRAY[p_detail]));
END;
$fn$;

CREATE OR REPLACE FUNCTION place_order(
    p_user_id bigint, p_service_id bigint, p_link text, p_quantity integer, p_params jsonb DEFAULT '{}'::jsonb)
RETURNS bigint
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_user users%ROWTYPE;
    v_service services%ROWTYPE;
    v_link text := coalesce(p_link, '');
    v_params jsonb := coalesce(p_params, '{}'::jsonb);
    v_charge numeric;
    v_order_id bigint;
BEGIN
    -- Lock the user first: concurrent orders of one user queue here, so none can overdraw.
    SELECT * INTO v_user FROM users WHERE id = p_user_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'user_not_found: user % does not exist', p_user_id;
    END IF;
    IF v_user.status <> 'active' THEN
        RAISE EXCEPTION 'user_not_active: user % is %', p_user_id, v_user.status;
    END IF;

    SELECT * INTO v_service FROM services WHERE id = p_service_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'service_not_found: service % does not exist', p_service_id;
    END IF;
    IF NOT v_service.enabled THEN
        RAISE EXCEPTION 'service_disabled: service % (%) is disabled', p_service_id, v_service.name;
    END IF;
    IF v_service.rate IS NULL THEN
        RAISE EXCEPTION 'service_misconfigured: service % (%) has no rate', p_service_id, v_service.name;
    END IF;

    IF p_quantity IS NULL THEN
        RAISE EXCEPTION 'quantity_out_of_range: quantity is required';
    END IF;
    IF v_service.type IN ('Package', 'Activation') AND p_quantity <> 1 THEN
        RAISE EXCEPTION 'quantity_out_of_range: a % order has quantity 1, not %', v_service.type, p_quantity;
    END IF;
    IF v_service.type NOT IN ('Package', 'Activation') AND (p_quantity < v_service.min OR p_quantity > v_service.max) THEN
        RAISE EXCEPTION 'quantity_out_of_range: quantity % is outside % to % for service %',
            p_quantity, v_service.min, v_service.max, p_service_id;
    END IF;

    IF length(v_link) > 2048 THEN
        RAISE EXCEPTION 'invalid_link: the link is % characters long; the limit is 2048', length(v_link);
    END IF;
    IF v_link ~ '[[:space:][:cntrl:]]' THEN
        RAISE EXCEPTION 'invalid_link: the link contains spaces or control characters';
    END IF;
    IF v_link = '' AND v_service.type <> 'Activation' THEN
        RAISE EXCEPTION 'invalid_link: a link is required for service %', p_service_id;
    END IF;

    IF jsonb_typeof(v_params) <> 'object' THEN
        RAISE EXCEPTION 'invalid_params: params must be a JSON object, not %', jsonb_typeof(v_params);
    END IF;

    v_charge := fulfillment_charge(v_service.type, v_service.rate, p_quantity);
    IF v_user.balance < v_charge THEN
        RAISE EXCEPTION 'insufficient_balance: balance % is less than the charge %', v_user.balance, v_charge;
    END IF;

    INSERT INTO orders (user_id, service_id, link, quantity, charge, params, status)
    VALUES (p_user_id, p_service_id, v_link, p_quantity, v_charge, v_params, 'pending')
    RETURNING id INTO v_order_id;

    PERFORM fulfillment_post_ledger(p_user_id, v_order_id, 'charge', -v_charge, NULL);

    INSERT INTO order_events (order_id, kind, detail)
    VALUES (v_order_id, 'placed', jsonb_build_object('charge', v_charge));

    PERFORM pg_notify('fulfillment_orders', v_order_id::text);
    RETURN v_order_id;
END;
$fn$;

CREATE OR REPLACE FUNCTION release_order(p_order_id bigint, p_action text)
RETURNS void
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_status text;
BEGIN
    IF p_action IS NULL OR p_action NOT IN ('retry', 'refund') THEN
        RAISE EXCEPTION 'invalid_action: action must be retry or refund, not %', coalesce(p_action, 'null');
    END IF;
    SELECT status INTO v_status FROM orders WHERE id = p_order_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'order_not_found: order % does not exist', p_order_id;
    END IF;
    IF v_status <> 'review' THEN
        RAISE EXCEPTION 'not_in_review: order % is %, not review', p_order_id, v_status;
    END IF;

    IF p_action = 'retry' THEN
        UPDATE orders
        SET status = 'pending', error = NULL, provider_order_id = NULL, next_attempt_at = NULL, updated_at = now()
        WHERE id = p_order_id;
        INSERT INTO order_events (order_id, kind, detail)
        VALUES (p_order_id, 'released', jsonb_build_object('action', 'retry'));
        PERFORM pg_notify('fulfillment_orders', p_order_id::text);
    ELSE
        PERFORM fulfillment_finish_order(p_order_id, 'canceled', NULL, 'Canceled and refunded after review.', now(),
                                         jsonb_build_object('action', 'refund', 'by', 'release_order'));
    END IF;
END;
$fn$;

CREATE OR REPLACE FUNCTION fulfillment_guard_active_order()
RETURNS trigger
LANGUAGE plpgsql
AS $fn$
BEGIN
    IF OLD.status IN ('held', 'dispatching', 'in_progress')
       AND (NEW.link IS DISTINCT FROM OLD.link OR NEW.quantity IS DISTINCT FROM OLD.quantity OR NEW.params IS DISTINCT FROM OLD.params) THEN
        RAISE EXCEPTION 'order_locked: the link, quantity and params of order % cannot change while it is %', OLD.id, OLD.status;
    END IF;
    IF NEW.link IS DISTINCT FROM OLD.link THEN
        NEW.link_key := NULL;
    END IF;
    RETURN NEW;
END;
$fn$;

DROP TRIGGER IF EXISTS orders_guard_active ON orders;
CREATE TRIGGER orders_guard_active BEFORE UPDATE OF link, quantity, params ON orders
    FOR EACH ROW EXECUTE FUNCTION fulfillment_guard_active_order();
