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
