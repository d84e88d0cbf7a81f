-- The public write API's placement: checks the user, the service, the amount, the link and the type's params; charges
-- what the add will ask the provider to deliver (fulfillment_order_units, fulfillment_charge); wakes the engine.
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
    v_line record;
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

    -- A list goes to the provider one item per line. Panel scripts that also split on "|" (SmartPanel splits custom
    -- comments on " | ") would deliver, and charge for, more items than were paid for.
    IF v_type.list_field IS NOT NULL THEN
        SELECT l.n, l.line INTO v_line
        FROM regexp_split_to_table(coalesce(fulfillment_list_text(v_params -> v_type.list_field), ''), E'\r\n|\r|\n') WITH ORDINALITY AS l(line, n)
        WHERE strpos(l.line, '|') > 0
        ORDER BY l.n
        LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'invalid_params: line % of % contains "|" (%): providers that split on it would deliver, and charge for, more than was ordered',
                v_line.n, v_type.list_field, left(v_line.line, 100);
        END IF;
    END IF;

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
