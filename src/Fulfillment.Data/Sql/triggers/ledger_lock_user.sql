-- Before each row, its user's balance row is locked (the engine's paths already hold it): two
-- transactions writing one user's ledger take turns, so the chain check (ledger_chain) always sees the row
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
