-- Subscriptions ("auto likes", "auto views"; SMM API v2 type Subscriptions): the user buys delivery of max per
-- post on the account's next posts. place_order checks the fields and writes them as the add sends them, the
-- charge covers the most the subscription can deliver (max x posts), and a subscription that ends with posts
-- left is refunded the unserved posts' share. An open-ended subscription (no posts) has no price that covers
-- what it may deliver: place_order refuses it (invalid_params). The money rules stay written once, here.

-- ---------------------------------------------------------------------------------------
-- What a subscription asks for, and what it is charged and refunded.
-- ---------------------------------------------------------------------------------------

-- The units of an order (fulfillment_charge prices them). A subscription asks for max (its quantity) on each of
-- posts new posts: place_order has checked posts and written it into the params.
CREATE OR REPLACE FUNCTION fulfillment_order_units(p_type text, p_quantity integer, p_params jsonb)
RETURNS bigint
LANGUAGE plpgsql IMMUTABLE
AS $fn$
DECLARE
    v_type record := fulfillment_service_type(p_type);
    v_params jsonb := coalesce(p_params, '{}'::jsonb);
    v_posts bigint;
BEGIN
    CASE v_type.measure
        WHEN 'unit' THEN
            RETURN 1;
        WHEN 'lines' THEN
            RETURN fulfillment_line_count(fulfillment_list_text(v_params -> v_type.list_field));
        WHEN 'subscription' THEN
            v_posts := fulfillment_param_int(v_params, 'posts');
            IF v_posts IS NULL THEN
                RAISE EXCEPTION 'invalid_params: a % order needs posts: an open-ended subscription has no price to charge up front', p_type;
            END IF;
            RETURN p_quantity::bigint * v_posts;
        ELSE
            RETURN p_quantity::bigint * coalesce(CASE WHEN v_type.dripfeed THEN fulfillment_param_int(v_params, 'runs') END, 1);
    END CASE;
END;
$fn$;

-- A subscription that ends with posts left is refunded the unserved posts' share of its charge:
-- charge x (posts - served) / posts, served clamped to 0..posts, rounded DOWN to 6 places by the partial
-- refund's own rule (the unserved posts are its "remains"), so it never refunds more than it charged.
CREATE OR REPLACE FUNCTION fulfillment_subscription_refund(p_charge numeric, p_posts integer, p_served integer)
RETURNS numeric
LANGUAGE sql IMMUTABLE STRICT
AS $fn$
    SELECT fulfillment_partial_refund(p_charge, p_posts::bigint - least(greatest(p_served, 0), greatest(p_posts, 0)), p_posts::bigint);
$fn$;

-- A subscription's params as the add sends them, or an error naming the field (docs/domain.md, "Type-specific
-- add fields"). The charge is computed from these very numbers, so what is sent is what was paid for:
--   username: the account's handle (letters, digits, _ and ., at most 64), sent without a leading @; a link
--             that is itself a handle stands in when username is absent;
--   max:      the order's quantity (place_order's quantity argument); a max in the params must equal it;
--   min:      from the service's min up to max;
--   posts:    1 to 1000 new posts; required (an open-ended subscription is refused);
--   old_posts: absent or 0 (posts already published would be delivered beyond what the charge covers);
--   delay:    minutes from the protocol's list; optional;
--   expiry:   d/m/Y, after p_today and at most 366 days ahead; optional; written dd/mm/yyyy.
CREATE OR REPLACE FUNCTION fulfillment_subscription_params(
    p_params jsonb, p_link text, p_max integer, p_service_min integer, p_today date)
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE
AS $fn$
DECLARE
    v_params jsonb := coalesce(p_params, '{}'::jsonb);
    v_handle constant text := '^@?[A-Za-z0-9_.]{1,64}$';
    v_username text;
    v_min bigint;
    v_max bigint;
    v_posts bigint;
    v_old_posts bigint;
    v_delay bigint;
    v_expiry_text text;
    v_parts text[];
    v_expiry date;
    v_result jsonb;
BEGIN
    v_username := CASE jsonb_typeof(v_params -> 'username')
        WHEN 'string' THEN btrim(v_params ->> 'username')
        WHEN 'number' THEN (v_params -> 'username')::text
        ELSE '' END;
    IF v_username = '' AND coalesce(p_link, '') ~ v_handle THEN
        v_username := p_link;
    END IF;
    IF v_username = '' THEN
        RAISE EXCEPTION 'invalid_params: a Subscriptions order needs username, the account''s handle (or a handle as its link)';
    END IF;
    IF v_username !~ v_handle THEN
        RAISE EXCEPTION 'invalid_params: username must be a handle (letters, digits, _ and ., at most 64 characters), not %', left(v_username, 80);
    END IF;

    v_max := fulfillment_param_int(v_params, 'max');
    IF v_max IS NOT NULL AND v_max <> p_max THEN
        RAISE EXCEPTION 'quantity_mismatch: quantity % is the subscription''s max, but params.max is %', p_max, v_max;
    END IF;
    v_min := fulfillment_param_int(v_params, 'min');
    IF v_min IS NULL THEN
        RAISE EXCEPTION 'invalid_params: a Subscriptions order needs min, the least to deliver per post';
    END IF;
    IF v_min < p_service_min OR v_min > p_max THEN
        RAISE EXCEPTION 'quantity_out_of_range: min % must be from the service''s minimum % up to max %', v_min, p_service_min, p_max;
    END IF;

    v_posts := fulfillment_param_int(v_params, 'posts');
    IF v_posts IS NULL THEN
        RAISE EXCEPTION 'invalid_params: a Subscriptions order needs posts (1 to 1000): an open-ended subscription has no price to charge up front';
    END IF;
    IF v_posts < 1 OR v_posts > 1000 THEN
        RAISE EXCEPTION 'invalid_params: posts must be from 1 to 1000, not %', v_posts;
    END IF;
    v_old_posts := fulfillment_param_int(v_params, 'old_posts');
    IF coalesce(v_old_posts, 0) <> 0 THEN
        RAISE EXCEPTION 'invalid_params: old_posts is not offered: the charge covers new posts only';
    END IF;

    v_delay := fulfillment_param_int(v_params, 'delay');
    IF v_delay IS NOT NULL AND v_delay NOT IN (0, 5, 10, 15, 30, 60, 90, 120, 150, 180, 210, 240, 270, 300, 360, 420, 480, 540, 600) THEN
        RAISE EXCEPTION 'invalid_params: delay must be one of 0, 5, 10, 15, 30, 60, 90, 120, 150, 180, 210, 240, 270, 300, 360, 420, 480, 540, 600 minutes, not %', v_delay;
    END IF;

    IF v_params -> 'expiry' IS NOT NULL AND jsonb_typeof(v_params -> 'expiry') <> 'null' THEN
        v_expiry_text := CASE jsonb_typeof(v_params -> 'expiry') WHEN 'string' THEN btrim(v_params ->> 'expiry') END;
        v_parts := regexp_match(coalesce(v_expiry_text, ''), '^([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})$');
        IF v_parts IS NULL THEN
            RAISE EXCEPTION 'invalid_params: expiry must be a date written d/m/Y (31/12/2026), not %', left(coalesce(v_expiry_text, (v_params -> 'expiry')::text), 40);
        END IF;
        BEGIN
            v_expiry := make_date(v_parts[3]::int, v_parts[2]::int, v_parts[1]::int);
        EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format THEN
            RAISE EXCEPTION 'invalid_params: expiry % is not a date', v_expiry_text;
        END;
        IF v_expiry <= p_today OR v_expiry > p_today + 366 THEN
            RAISE EXCEPTION 'invalid_params: expiry % must be after today (%) and at most 366 days ahead', v_expiry_text, to_char(p_today, 'DD/MM/YYYY');
        END IF;
    END IF;

    v_result := (v_params - 'username' - 'min' - 'max' - 'posts' - 'old_posts' - 'delay' - 'expiry')
        || jsonb_build_object('username', ltrim(v_username, '@'), 'min', v_min, 'max', p_max, 'posts', v_posts);
    IF v_delay IS NOT NULL THEN
        v_result := v_result || jsonb_build_object('delay', v_delay);
    END IF;
    IF v_expiry IS NOT NULL THEN
        v_result := v_result || jsonb_build_object('expiry', to_char(v_expiry, 'DD/MM/YYYY'));
    END IF;
    RETURN v_result;
END;
$fn$;

-- ---------------------------------------------------------------------------------------
-- What a subscription was charged for never changes; users get a reason when it expires.
-- ---------------------------------------------------------------------------------------

-- (As in MoneyMatchesDelivery.up.sql, with charged_posts among the money columns.) The charge was computed from the user, service, quantity and params at placement: none of them may
-- change while the order is open (ToS 2.4/2.5 and the money), the user, service, quantity and money
-- columns never. The link may be corrected while the order waits in pending. A finished order keeps
-- its status: a careless update cannot put a refunded order back in the queue.
CREATE OR REPLACE FUNCTION fulfillment_guard_active_order()
RETURNS trigger
LANGUAGE plpgsql
AS $fn$
BEGIN
    IF OLD.status IN ('completed', 'partial', 'canceled', 'failed') AND NEW.status IS DISTINCT FROM OLD.status THEN
        RAISE EXCEPTION 'order_terminal: order % is %; a finished order never changes status', OLD.id, OLD.status;
    END IF;
    IF NEW.user_id IS DISTINCT FROM OLD.user_id OR NEW.service_id IS DISTINCT FROM OLD.service_id
       OR NEW.quantity IS DISTINCT FROM OLD.quantity OR NEW.charge IS DISTINCT FROM OLD.charge
       OR NEW.charged_units IS DISTINCT FROM OLD.charged_units OR NEW.charged_posts IS DISTINCT FROM OLD.charged_posts
       OR (NEW.params IS DISTINCT FROM OLD.params AND OLD.status NOT IN ('completed', 'partial', 'canceled', 'failed')) THEN
        RAISE EXCEPTION 'order_locked: the user, service, quantity, params and charge of order % cannot change after it was charged; cancel it and place a new one', OLD.id;
    END IF;
    IF OLD.status IN ('held', 'dispatching', 'in_progress', 'review') AND NEW.link IS DISTINCT FROM OLD.link THEN
        RAISE EXCEPTION 'order_locked: the link of order % cannot change while it is %', OLD.id, OLD.status;
    END IF;
    IF NEW.link IS DISTINCT FROM OLD.link THEN
        NEW.link_key := NULL;
    END IF;
    RETURN NEW;
END;
$fn$;

DROP TRIGGER IF EXISTS orders_guard_active ON orders;
CREATE TRIGGER orders_guard_active
    BEFORE UPDATE OF status, link, quantity, params, user_id, service_id, charge, charged_units, charged_posts ON orders
    FOR EACH ROW EXECUTE FUNCTION fulfillment_guard_active_order();

-- What a user may read about an order's end (notifications.payload.reason): the fixed vocabulary, and
-- subscription_expired, a subscription that reached its expiry date before all its posts were served.
CREATE OR REPLACE FUNCTION fulfillment_user_reason(p_reason text, p_status text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE
AS $fn$
BEGIN
    IF p_reason IS NULL THEN
        RETURN CASE p_status WHEN 'completed' THEN 'delivered' WHEN 'partial' THEN 'partially_delivered' ELSE 'not_delivered' END;
    END IF;
    IF p_reason NOT IN ('delivered', 'partially_delivered', 'not_delivered', 'canceled_by_user', 'account_blocked', 'invalid_order',
                        'service_unavailable', 'duplicate_link', 'staff_decision', 'no_code_received', 'subscription_expired') THEN
        RAISE EXCEPTION 'invalid_argument: % is not a user-facing reason', p_reason;
    END IF;
    RETURN p_reason;
END;
$fn$;

-- ---------------------------------------------------------------------------------------
-- Finishing: one money rule per shape of order.
-- ---------------------------------------------------------------------------------------

DROP FUNCTION IF EXISTS fulfillment_finish_orders(bigint[], text[], bigint[], text[], timestamptz, jsonb[], text[], bigint[], text[]);

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

    RETURN QUERY SELECT unnest(v_ids);
END;
$fn$;

-- ---------------------------------------------------------------------------------------
-- The public write API: place_order as in MoneyMatchesDelivery.up.sql, with subscriptions checked.
-- ---------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION place_order(
    p_user_id bigint, p_service_id bigint, p_link text, p_quantity integer, p_params jsonb DEFAULT '{}'::jsonb)
RETURNS bigint
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_user users%ROWTYPE;
    v_service services%ROWTYPE;
    v_type record;
    v_link text := coalesce(p_link, '');
    v_params jsonb := coalesce(p_params, '{}'::jsonb);
    v_quantity integer := p_quantity;
    v_lines bigint;
    v_runs bigint;
    v_interval bigint;
    v_problem text;
    v_units bigint;
    v_posts integer;
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
    IF jsonb_typeof(v_params) <> 'object' THEN
        RAISE EXCEPTION 'invalid_params: params must be a JSON object, not %', jsonb_typeof(v_params);
    END IF;
    v_type := fulfillment_service_type(v_service.type);

    -- The amount: one unit, the lines of a list (the add carries no quantity), or the quantity.
    IF v_type.measure = 'lines' THEN
        v_lines := fulfillment_line_count(fulfillment_list_text(v_params -> v_type.list_field));
        IF v_lines = 0 THEN
            RAISE EXCEPTION 'invalid_params: a % order needs %, one per line', v_service.type, v_type.list_field;
        END IF;
        IF v_quantity IS NULL THEN
            v_quantity := least(v_lines, 2147483647);
        ELSIF v_quantity <> v_lines THEN
            RAISE EXCEPTION 'quantity_mismatch: quantity % but % non-empty lines in %; the provider delivers one per line',
                v_quantity, v_lines, v_type.list_field;
        END IF;
    END IF;
    IF v_quantity IS NULL THEN
        RAISE EXCEPTION 'quantity_out_of_range: quantity is required';
    END IF;
    IF v_type.measure = 'unit' AND v_quantity <> 1 THEN
        RAISE EXCEPTION 'quantity_out_of_range: a % order has quantity 1, not %', v_service.type, v_quantity;
    END IF;
    IF v_type.measure <> 'unit' AND (v_quantity < v_service.min OR v_quantity > v_service.max) THEN
        RAISE EXCEPTION 'quantity_out_of_range: quantity % is outside % to % for service %',
            v_quantity, v_service.min, v_service.max, p_service_id;
    END IF;

    -- A subscription: quantity is its max per post; its fields are checked and written as the add sends them.
    IF v_type.measure = 'subscription' THEN
        v_params := fulfillment_subscription_params(v_params, v_link, v_quantity, v_service.min, (now() AT TIME ZONE 'UTC')::date);
        v_posts := (v_params ->> 'posts')::integer;
    END IF;

    -- Drip-feed: quantity per run (checked against min and max above, as the API does), runs of them.
    v_runs := fulfillment_param_int(v_params, 'runs');
    v_interval := fulfillment_param_int(v_params, 'interval');
    IF v_runs IS NOT NULL OR v_interval IS NOT NULL THEN
        IF NOT v_type.dripfeed THEN
            RAISE EXCEPTION 'invalid_params: a % order cannot be drip-fed (runs, interval)', v_service.type;
        END IF;
        IF NOT v_service.dripfeed THEN
            RAISE EXCEPTION 'invalid_params: service % does not offer drip-feed (runs, interval)', p_service_id;
        END IF;
        IF v_runs IS NULL OR v_runs < 2 OR v_runs > 1000 THEN
            RAISE EXCEPTION 'invalid_params: drip-feed needs runs from 2 to 1000, not %', coalesce(v_runs::text, 'none');
        END IF;
        IF v_interval IS NULL OR v_interval < 1 OR v_interval > 10080 THEN
            RAISE EXCEPTION 'invalid_params: drip-feed needs interval from 1 to 10080 minutes, not %', coalesce(v_interval::text, 'none');
        END IF;
    END IF;

    IF NOT (v_link = '' AND lower(btrim(v_service.type)) = 'activation') THEN
        v_problem := fulfillment_link_problem(v_link, v_type.takes_handle);
        IF v_problem IS NOT NULL THEN
            RAISE EXCEPTION 'invalid_link: %', v_problem;
        END IF;
    END IF;

    v_units := fulfillment_order_units(v_service.type, v_quantity, v_params);
    v_charge := fulfillment_charge(v_service.type, v_service.rate, v_units);
    IF v_charge >= 10000000000000 THEN
        RAISE EXCEPTION 'quantity_out_of_range: the charge % is beyond what a balance can hold', v_charge;
    END IF;
    IF v_user.balance < v_charge THEN
        RAISE EXCEPTION 'insufficient_balance: balance % is less than the charge %', v_user.balance, v_charge;
    END IF;

    INSERT INTO orders (user_id, service_id, link, quantity, charge, charged_units, charged_posts, params, status)
    VALUES (p_user_id, p_service_id, v_link, v_quantity, v_charge, v_units, v_posts, v_params, 'pending')
    RETURNING id INTO v_order_id;

    PERFORM fulfillment_post_ledger(p_user_id, v_order_id, 'charge', -v_charge, NULL);

    INSERT INTO order_events (order_id, kind, detail)
    VALUES (v_order_id, 'placed', jsonb_build_object('charge', v_charge, 'units', v_units) || jsonb_strip_nulls(jsonb_build_object('posts', v_posts)));

    PERFORM pg_notify('fulfillment_orders', v_order_id::text);
    RETURN v_order_id;
END;
$fn$;

DO $secure$ BEGIN PERFORM fulfillment_secure_functions(); END $secure$;
