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
