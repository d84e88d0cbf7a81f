-- Moves the given non-terminal orders to terminal statuses; returns the ids it finished. Orders
-- already terminal are skipped, changing nothing: together with the unique refund index this is
-- why a refund cannot be applied twice. A duplicate id counts once (its first entry). The
-- provider's last words (status, start count), when given, are recorded on the order as well, so
-- a status check that finishes an order writes it once. p_reasons are user-facing reasons
-- (fulfillment_user_reason); NULL picks the status's own.
-- The refund, one rule per shape of order: completed refunds nothing; a subscription (charged_posts set)
-- is refunded the unserved posts' share whatever else it ended as (fulfillment_subscription_refund, with the
-- posts served recorded on the order, or given here by the status check that ends it: p_posts_served, which
-- never lowers the count); partial refunds charge x remains / units (fulfillment_partial_refund); canceled and
-- failed refund the whole charge. p_results, when given, replace orders.result (what the panel shows).
CREATE OR REPLACE FUNCTION fulfillment_finish_orders(
    p_ids bigint[], p_statuses text[], p_remains bigint[], p_errors text[], p_at timestamptz, p_details jsonb[] DEFAULT NULL,
    p_provider_statuses text[] DEFAULT NULL, p_start_counts bigint[] DEFAULT NULL, p_reasons text[] DEFAULT NULL,
    p_posts_served integer[] DEFAULT NULL, p_results jsonb[] DEFAULT NULL)
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
    v_reasons text[];
    v_charges numeric[];
    v_refunds numeric[];
    v_posts integer[];
    v_served integer[];
    v_results jsonb[];
    v_open bigint;
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
        SELECT DISTINCT ON (x.id) x.id, x.status, x.remains, x.error, x.detail, x.provider_status, x.start_count,
               fulfillment_user_reason(x.reason, x.status) AS reason, x.posts_served, x.result
        FROM unnest(p_ids, p_statuses, p_remains, p_errors, p_details, p_provider_statuses, p_start_counts, p_reasons, p_posts_served, p_results)
            WITH ORDINALITY AS x(id, status, remains, error, detail, provider_status, start_count, reason, posts_served, result, n)
        ORDER BY x.id, x.n),
    o AS MATERIALIZED (
        SELECT o.id, o.user_id, o.status, coalesce(o.charged_units, o.quantity) AS units, o.charge, o.charged_posts AS posts,
               -- A subscription's posts served: the most ever reported, within 0..posts.
               CASE WHEN o.charged_posts IS NOT NULL THEN
                   least(greatest(coalesce(greatest(o.posts_served, f.posts_served), 0), 0), o.charged_posts) END AS served
        FROM orders o
        LEFT JOIN f ON f.id = o.id
        WHERE o.id IN (SELECT id FROM f)
        ORDER BY o.id
        FOR NO KEY UPDATE OF o),
    d AS (
        SELECT f.id AS requested, o.id, o.user_id, o.status AS from_status, f.status, f.remains, f.error, f.detail,
               f.provider_status, f.start_count, f.reason, o.charge, o.posts, o.served, f.result,
               CASE
                   WHEN f.status = 'completed' THEN 0::numeric
                   WHEN o.posts IS NOT NULL THEN fulfillment_subscription_refund(coalesce(-l.amount, 0), o.posts, o.served)
                   WHEN f.status = 'partial' THEN fulfillment_partial_refund(coalesce(-l.amount, 0), coalesce(f.remains, 0), o.units)
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
           array_agg(d.reason ORDER BY d.id) FILTER (WHERE d.from_status NOT IN ('completed', 'partial', 'canceled', 'failed')),
           array_agg(d.charge ORDER BY d.id) FILTER (WHERE d.from_status NOT IN ('completed', 'partial', 'canceled', 'failed')),
           array_agg(d.refund ORDER BY d.id) FILTER (WHERE d.from_status NOT IN ('completed', 'partial', 'canceled', 'failed')),
           array_agg(d.posts ORDER BY d.id) FILTER (WHERE d.from_status NOT IN ('completed', 'partial', 'canceled', 'failed')),
           array_agg(d.served ORDER BY d.id) FILTER (WHERE d.from_status NOT IN ('completed', 'partial', 'canceled', 'failed')),
           array_agg(d.result ORDER BY d.id) FILTER (WHERE d.from_status NOT IN ('completed', 'partial', 'canceled', 'failed'))
    INTO v_missing, v_ids, v_users, v_from, v_statuses, v_remains, v_errors, v_details, v_provider_statuses, v_start_counts,
         v_reasons, v_charges, v_refunds, v_posts, v_served, v_results
    FROM d;
    IF v_missing IS NOT NULL THEN
        RAISE EXCEPTION 'order_not_found: order % does not exist', v_missing;
    END IF;
    IF v_ids IS NULL THEN
        RETURN;
    END IF;
    -- An order a provider may hold (an attempt sending, or one whose answer was lost) is never finished or refunded: a person
    -- settles that attempt first (release_order).
    SELECT a.order_id INTO v_open FROM order_attempts a WHERE a.order_id = ANY(v_ids) AND a.outcome IN ('sending', 'unknown') LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'open_attempt: order % has an attempt whose answer is not known, so its provider may run it; settle it with release_order first', v_open;
    END IF;

    -- The orders, their audit events and the users' notifications (none for an anonymised account:
    -- there is nobody left to tell, and nothing personal may be written for it).
    WITH r AS (
        SELECT r.*,
               -- A subscription's user is told what was served of what was bought.
               CASE WHEN r.posts IS NOT NULL THEN jsonb_build_object('posts', r.posts, 'posts_served', r.served) ELSE '{}'::jsonb END AS served_detail
        FROM unnest(v_ids, v_users, v_from, v_statuses, v_remains, v_errors, v_details, v_provider_statuses, v_start_counts,
                    v_reasons, v_charges, v_refunds, v_posts, v_served, v_results)
            AS r(id, user_id, from_status, status, remains, error, detail, provider_status, start_count, reason, charge, refund, posts, served, result)),
    finished AS (
        UPDATE orders o
        SET status = r.status,
            refunded = r.refund,
            remains = coalesce(r.remains, o.remains),
            -- The provider's answer replaces an earlier error (a failed check); otherwise an error stays.
            error = CASE WHEN r.provider_status IS NOT NULL THEN r.error ELSE coalesce(r.error, o.error) END,
            provider_status = coalesce(r.provider_status, o.provider_status),
            start_count = coalesce(r.start_count, o.start_count),
            posts_served = coalesce(r.served, o.posts_served),
            result = coalesce(r.result, o.result),
            finished_at = p_at,
            updated_at = p_at,
            held_by = NULL
        FROM r WHERE o.id = r.id),
    events AS (
        INSERT INTO order_events (order_id, at, kind, detail)
        SELECT r.id, p_at, r.status,
               coalesce(r.detail, '{}'::jsonb) || jsonb_build_object('from', r.from_status, 'refund', r.refund, 'error', r.error, 'user_reason', r.reason)
               || r.served_detail
        FROM r)
    INSERT INTO notifications (user_id, order_id, kind, payload, created_at)
    SELECT r.user_id, r.id, 'order_' || r.status,
           jsonb_build_object('order_id', r.id, 'status', r.status, 'charge', r.charge, 'refund', r.refund, 'reason', r.reason) || r.served_detail, p_at
    FROM r
    JOIN users u ON u.id = r.user_id
    WHERE u.anonymized_at IS NULL;

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

    -- A run that ends makes its parent due: the parent's remains and progress follow its runs at the drip-feed pass's next look.
    UPDATE orders p SET next_attempt_at = p_at
    WHERE p.id IN (SELECT r.parent_id FROM orders r WHERE r.id = ANY(v_ids) AND r.parent_id IS NOT NULL)
      AND p.status = 'in_progress' AND p.emulated_runs IS NOT NULL AND p.next_attempt_at > p_at;

    RETURN QUERY SELECT unnest(v_ids);
END;
$fn$;
