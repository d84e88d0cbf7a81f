-- Back to one order at a time and a per-row ledger chain trigger (as in WriteApi.up.sql).
DROP TRIGGER IF EXISTS ledger_chain ON ledger;
DROP FUNCTION IF EXISTS fulfillment_ledger_chain_check();
DROP TRIGGER IF EXISTS ledger_lock_user ON ledger;
DROP FUNCTION IF EXISTS fulfillment_ledger_lock_user();

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

DROP FUNCTION IF EXISTS fulfillment_finish_orders(bigint[], text[], bigint[], text[], timestamptz, jsonb[], text[], bigint[]);
