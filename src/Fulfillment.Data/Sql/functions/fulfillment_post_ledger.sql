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
