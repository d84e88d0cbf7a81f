-- Finishing orders as a set, and checking the ledger chain once per statement.
--
-- fulfillment_finish_orders applies the same rule as before (written once, here): completed
-- refunds nothing, partial by fulfillment_partial_refund, canceled and failed the whole charge
-- taken from the order's own charge ledger row. What changes is the shape: a batch of finishes
-- locks its orders (by id), updates them, writes their events and notifications, and only then
-- locks the users' balance rows (by id), moves each balance once by its total and writes one
-- refund ledger row per order. The balance rows are held for a few statements instead of the
-- whole batch, and each is updated once per batch instead of once per order.

-- Each ledger row continues its user's chain (balance_after = previous balance_after + amount),
-- and after every INSERT statement each user's last balance_after equals users.balance. With the
-- deferred check on users this keeps "balance = sum of ledger" an invariant the database enforces.
-- Checked per statement over the statement's new rows, so one INSERT may add several rows for
-- one user (a batch of refunds) after moving the balance once.
CREATE OR REPLACE FUNCTION fulfillment_ledger_chain_check()
RETURNS trigger
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_bad record;
BEGIN
    SELECT n.user_id, n.amount, n.balance_after, n.previous INTO v_bad
    FROM (SELECT r.user_id, r.amount, r.balance_after,
                 coalesce(lag(r.balance_after) OVER (PARTITION BY r.user_id ORDER BY r.id),
                          (SELECT l.balance_after FROM ledger l WHERE l.user_id = r.user_id AND l.id < r.id ORDER BY l.id DESC LIMIT 1),
                          0) AS previous
          FROM new_rows r) n
    WHERE n.balance_after IS DISTINCT FROM n.previous + n.amount
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'ledger_mismatch: ledger row for user % does not continue the balance chain (previous %, amount %, balance_after %)',
            v_bad.user_id, v_bad.previous, v_bad.amount, v_bad.balance_after;
    END IF;

    SELECT u.id, u.balance, last.balance_after INTO v_bad
    FROM (SELECT DISTINCT user_id FROM new_rows) n
    JOIN users u ON u.id = n.user_id
    CROSS JOIN LATERAL (SELECT l.balance_after FROM ledger l WHERE l.user_id = n.user_id ORDER BY l.id DESC LIMIT 1) last
    WHERE u.balance IS DISTINCT FROM last.balance_after
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'ledger_mismatch: ledger for user % ends at % but users.balance is %; move the balance first, then write the ledger row',
            v_bad.id, v_bad.balance_after, v_bad.balance;
    END IF;
    RETURN NULL;
END;
$fn$;

DROP TRIGGER IF EXISTS ledger_chain ON ledger;
DROP FUNCTION IF EXISTS fulfillment_ledger_chain();
CREATE TRIGGER ledger_chain AFTER INSERT ON ledger
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION fulfillment_ledger_chain_check();

-- Before each row, its user's balance row is locked (the engine's paths already hold it): two
-- transactions writing one user's ledger take turns, so the check above always sees the row
-- before its own, even for a raw INSERT that did not move the balance.
CREATE OR REPLACE FUNCTION fulfillment_ledger_lock_user()
RETURNS trigger
LANGUAGE plpgsql
AS $fn$
BEGIN
    PERFORM 1 FROM users WHERE id = NEW.user_id FOR NO KEY UPDATE;
    RETURN NEW;
END;
$fn$;

DROP TRIGGER IF EXISTS ledger_lock_user ON ledger;
CREATE TRIGGER ledger_lock_user BEFORE INSERT ON ledger
    FOR EACH ROW EXECUTE FUNCTION fulfillment_ledger_lock_user();

-- Moves the given non-terminal orders to terminal statuses; returns the ids it finished. Orders
-- already terminal are skipped, changing nothing: together with the unique refund index this is
-- why a refund cannot be applied twice. A duplicate id counts once (its first entry). The
-- provider's last words (status, start count), when given, are recorded on the order as well, so
-- a status check that finishes an order writes it once.
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

-- One order: the set function with one element. Returns false, changing nothing, when the
-- order is already terminal.
CREATE OR REPLACE FUNCTION fulfillment_finish_order(
    p_order_id bigint, p_status text, p_remains bigint, p_error text, p_at timestamptz, p_detail jsonb DEFAULT '{}'::jsonb)
RETURNS boolean
LANGUAGE plpgsql
AS $fn$
BEGIN
    RETURN EXISTS (SELECT 1 FROM fulfillment_finish_orders(ARRAY[p_order_id], ARRAY[p_status], ARRAY[p_remains], ARRAY[p_error], p_at, ARRAY[p_detail]));
END;
$fn$;
