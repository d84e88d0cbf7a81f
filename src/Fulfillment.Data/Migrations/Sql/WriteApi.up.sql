-- The panel's write API (docs/contract.md, "Functions") and the guards that keep money exact.
--
-- Every public function runs in the caller's transaction, validates its input and raises
-- an error whose message starts with a stable lower-case code and a colon, changing nothing.
-- Internal helpers are prefixed fulfillment_ and are not part of the contract.

-- ---------------------------------------------------------------------------------------
-- Rounding rules: written once, here. C# never recomputes money.
-- ---------------------------------------------------------------------------------------

-- A charge is rounded half away from zero to 6 places (numeric round()).
CREATE OR REPLACE FUNCTION fulfillment_charge(p_service_type text, p_rate numeric, p_quantity integer)
RETURNS numeric
LANGUAGE sql IMMUTABLE STRICT
AS $fn$
    SELECT CASE
        WHEN p_service_type IN ('Package', 'Activation') THEN round(p_rate, 6)
        ELSE round(p_rate * p_quantity / 1000, 6)
    END;
$fn$;

-- A partial refund is charge x remains / quantity with remains clamped to 0..quantity,
-- rounded DOWN to 6 places so the panel never refunds more than it charged.
CREATE OR REPLACE FUNCTION fulfillment_partial_refund(p_charge numeric, p_remains bigint, p_quantity integer)
RETURNS numeric
LANGUAGE sql IMMUTABLE STRICT
AS $fn$
    SELECT CASE
        WHEN p_quantity <= 0 THEN 0::numeric
        ELSE trunc(p_charge * least(greatest(p_remains, 0), p_quantity)::numeric / p_quantity, 6)
    END;
$fn$;

-- ---------------------------------------------------------------------------------------
-- The ledger: append-only, chained, and always equal to users.balance.
-- ---------------------------------------------------------------------------------------

-- Moves a user's balance and writes the matching ledger row in one statement pair.
-- The balance update is atomic in SQL (balance = balance + amount), never read-then-write.
CREATE OR REPLACE FUNCTION fulfillment_post_ledger(
    p_user_id bigint, p_order_id bigint, p_kind text, p_amount numeric, p_reference text)
RETURNS bigint
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_balance numeric;
    v_id bigint;
BEGIN
    -- Callers check the balance first; ck_users_balance_not_negative is the last line of defence.
    UPDATE users SET balance = balance + p_amount WHERE id = p_user_id RETURNING balance INTO v_balance;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'user_not_found: user % does not exist', p_user_id;
    END IF;
    INSERT INTO ledger (user_id, order_id, kind, amount, balance_after, reference)
    VALUES (p_user_id, p_order_id, p_kind, p_amount, v_balance, p_reference)
    RETURNING id INTO v_id;
    RETURN v_id;
END;
$fn$;

-- Each ledger row continues its user's chain: balance_after = previous balance_after + amount,
-- and equals users.balance at that moment. With the deferred check below this makes
-- "balance = sum of ledger" an invariant the database enforces, not a hope.
CREATE OR REPLACE FUNCTION fulfillment_ledger_chain()
RETURNS trigger
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_previous numeric;
    v_balance numeric;
BEGIN
    SELECT balance INTO v_balance FROM users WHERE id = NEW.user_id FOR UPDATE;
    SELECT balance_after INTO v_previous FROM ledger WHERE user_id = NEW.user_id ORDER BY id DESC LIMIT 1;
    IF NEW.balance_after IS DISTINCT FROM coalesce(v_previous, 0) + NEW.amount
       OR NEW.balance_after IS DISTINCT FROM v_balance THEN
        RAISE EXCEPTION 'ledger_mismatch: ledger row for user % does not continue the balance chain (previous %, amount %, balance_after %, balance %)',
            NEW.user_id, coalesce(v_previous, 0), NEW.amount, NEW.balance_after, v_balance;
    END IF;
    RETURN NEW;
END;
$fn$;

DROP TRIGGER IF EXISTS ledger_chain ON ledger;
CREATE TRIGGER ledger_chain BEFORE INSERT ON ledger
    FOR EACH ROW EXECUTE FUNCTION fulfillment_ledger_chain();

CREATE OR REPLACE FUNCTION fulfillment_ledger_immutable()
RETURNS trigger
LANGUAGE plpgsql
AS $fn$
BEGIN
    RAISE EXCEPTION 'ledger_immutable: ledger rows are never changed or deleted; post an adjustment instead';
END;
$fn$;

DROP TRIGGER IF EXISTS ledger_immutable ON ledger;
CREATE TRIGGER ledger_immutable BEFORE UPDATE OR DELETE ON ledger
    FOR EACH ROW EXECUTE FUNCTION fulfillment_ledger_immutable();

-- Checked at commit, so a function may update the balance first and write the ledger row next.
CREATE OR REPLACE FUNCTION fulfillment_check_balance()
RETURNS trigger
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_balance numeric;
    v_ledger numeric;
BEGIN
    SELECT balance INTO v_balance FROM users WHERE id = NEW.id;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    SELECT balance_after INTO v_ledger FROM ledger WHERE user_id = NEW.id ORDER BY id DESC LIMIT 1;
    IF v_balance IS DISTINCT FROM coalesce(v_ledger, 0) THEN
        RAISE EXCEPTION 'balance_mismatch: users.balance of user % is % but its ledger sums to %; move money only with deposit() and the engine',
            NEW.id, v_balance, coalesce(v_ledger, 0);
    END IF;
    RETURN NULL;
END;
$fn$;

DROP TRIGGER IF EXISTS users_balance_matches_ledger ON users;
CREATE CONSTRAINT TRIGGER users_balance_matches_ledger
    AFTER INSERT OR UPDATE OF balance ON users
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION fulfillment_check_balance();

-- ---------------------------------------------------------------------------------------
-- Finishing an order: terminal state, refund, audit event and notification in one call.
-- ---------------------------------------------------------------------------------------

-- Moves a non-terminal order to a terminal status. The refund follows from the status:
-- completed none, partial by fulfillment_partial_refund, canceled and failed in full. It is
-- computed from the order's own charge ledger row, so an order that was never charged is
-- never refunded. Returns false, changing nothing, when the order is already terminal:
-- together with the unique refund index this is why a refund cannot be applied twice.
CREATE OR REPLACE FUNCTION fulfillment_finish_order(
    p_order_id bigint, p_status text, p_remains bigint, p_error text, p_at timestamptz, p_detail jsonb DEFAULT '{}'::jsonb)
RETURNS boolean
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_order orders%ROWTYPE;
    v_charged numeric;
    v_refund numeric;
BEGIN
    IF p_status NOT IN ('completed', 'partial', 'canceled', 'failed') THEN
        RAISE EXCEPTION 'invalid_status: % is not a terminal status', p_status;
    END IF;
    SELECT * INTO v_order FROM orders WHERE id = p_order_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'order_not_found: order % does not exist', p_order_id;
    END IF;
    IF v_order.status IN ('completed', 'partial', 'canceled', 'failed') THEN
        RETURN false;
    END IF;

    SELECT -amount INTO v_charged FROM ledger WHERE order_id = p_order_id AND kind = 'charge';
    v_charged := coalesce(v_charged, 0);
    v_refund := CASE p_status
        WHEN 'completed' THEN 0
        WHEN 'partial' THEN fulfillment_partial_refund(v_charged, coalesce(p_remains, 0), v_order.quantity)
        ELSE v_charged
    END;

    IF v_refund > 0 THEN
        PERFORM fulfillment_post_ledger(v_order.user_id, p_order_id, 'refund', v_refund, NULL);
    END IF;

    UPDATE orders
    SET status = p_status,
        refunded = v_refund,
        remains = coalesce(p_remains, remains),
        error = coalesce(p_error, error),
        finished_at = p_at,
        updated_at = p_at,
        held_by = NULL
    WHERE id = p_order_id;

    INSERT INTO order_events (order_id, at, kind, detail)
    VALUES (p_order_id, p_at, p_status,
            coalesce(p_detail, '{}'::jsonb) || jsonb_build_object('from', v_order.status, 'refund', v_refund, 'error', p_error));

    INSERT INTO notifications (user_id, order_id, kind, payload, created_at)
    VALUES (v_order.user_id, p_order_id, 'order_' || p_status,
            jsonb_build_object('order_id', p_order_id, 'status', p_status, 'charge', v_order.charge,
                               'refund', v_refund, 'error', p_error), p_at);
    RETURN true;
END;
$fn$;

-- ---------------------------------------------------------------------------------------
-- The public write API.
-- ---------------------------------------------------------------------------------------

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

CREATE OR REPLACE FUNCTION deposit(p_user_id bigint, p_amount numeric, p_reference text)
RETURNS bigint
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_status text;
    v_existing ledger%ROWTYPE;
BEGIN
    IF p_amount IS NULL OR p_amount <= 0 THEN
        RAISE EXCEPTION 'invalid_amount: a deposit must be positive, not %', coalesce(p_amount::text, 'null');
    END IF;
    IF p_amount <> round(p_amount, 6) OR p_amount >= 1000000000000 THEN
        RAISE EXCEPTION 'invalid_amount: % has more than 6 decimal places or is too large', p_amount;
    END IF;
    IF p_reference IS NULL OR btrim(p_reference) = '' THEN
        RAISE EXCEPTION 'invalid_reference: a deposit needs a reference (the payment id)';
    END IF;

    SELECT status INTO v_status FROM users WHERE id = p_user_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'user_not_found: user % does not exist', p_user_id;
    END IF;

    SELECT * INTO v_existing FROM ledger WHERE kind = 'deposit' AND reference = p_reference;
    IF FOUND THEN
        IF v_existing.user_id <> p_user_id OR v_existing.amount <> p_amount THEN
            RAISE EXCEPTION 'reference_conflict: reference % was already used for a different deposit', p_reference;
        END IF;
        RETURN v_existing.id;
    END IF;

    IF v_status = 'deleted' THEN
        RAISE EXCEPTION 'user_not_active: user % is deleted', p_user_id;
    END IF;

    BEGIN
        RETURN fulfillment_post_ledger(p_user_id, NULL, 'deposit', p_amount, p_reference);
    EXCEPTION WHEN unique_violation THEN
        -- The same reference, committed meanwhile for another user.
        RAISE EXCEPTION 'reference_conflict: reference % was already used for a different deposit', p_reference;
    END;
END;
$fn$;

CREATE OR REPLACE FUNCTION request_cancel(p_order_id bigint)
RETURNS bigint
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_status text;
    v_cancel boolean;
    v_id bigint;
BEGIN
    SELECT o.status, coalesce(s.cancel, false) INTO v_status, v_cancel
    FROM orders o LEFT JOIN services s ON s.id = o.service_id
    WHERE o.id = p_order_id
    FOR UPDATE OF o;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'order_not_found: order % does not exist', p_order_id;
    END IF;
    IF v_status IN ('completed', 'partial', 'canceled', 'failed') THEN
        RAISE EXCEPTION 'not_cancelable: order % is already %', p_order_id, v_status;
    END IF;
    IF v_status = 'review' THEN
        RAISE EXCEPTION 'not_cancelable: order % is in review; resolve it with release_order', p_order_id;
    END IF;
    IF v_status IN ('dispatching', 'in_progress') AND NOT v_cancel THEN
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

CREATE OR REPLACE FUNCTION block_user(p_user_id bigint, p_reason text)
RETURNS void
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_status text;
BEGIN
    IF p_reason IS NULL OR btrim(p_reason) = '' THEN
        RAISE EXCEPTION 'invalid_reason: blocking a user needs a reason';
    END IF;
    SELECT status INTO v_status FROM users WHERE id = p_user_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'user_not_found: user % does not exist', p_user_id;
    END IF;
    IF v_status = 'deleted' THEN
        RAISE EXCEPTION 'user_not_active: user % is deleted', p_user_id;
    END IF;
    IF v_status = 'blocked' THEN
        RETURN;
    END IF;
    UPDATE users
    SET status = 'blocked', blocked_reason = p_reason, blocked_at = now(), block_handled_at = NULL
    WHERE id = p_user_id;
    PERFORM pg_notify('fulfillment_users', p_user_id::text);
END;
$fn$;

CREATE OR REPLACE FUNCTION request_erasure(p_user_id bigint)
RETURNS bigint
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_id bigint;
BEGIN
    PERFORM 1 FROM users WHERE id = p_user_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'user_not_found: user % does not exist', p_user_id;
    END IF;
    SELECT id INTO v_id FROM erasure_requests WHERE user_id = p_user_id AND completed_at IS NULL;
    IF FOUND THEN
        RETURN v_id;
    END IF;
    INSERT INTO erasure_requests (user_id) VALUES (p_user_id) RETURNING id INTO v_id;
    RETURN v_id;
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
