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
