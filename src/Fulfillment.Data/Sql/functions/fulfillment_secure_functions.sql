-- The database boundary, applied to every function of the schema after each change: each runs with its search path
-- pinned to pg_catalog and this schema, pg_temp last, so nothing a caller puts on its own search path (a temporary
-- table) can stand in for users, ledger or orders; the write API runs with its owner's rights (SECURITY DEFINER), so the
-- panel's role needs no privilege on the ledger, balances or an order's status; EXECUTE is nobody's by default
-- (deploy/engine-role.sql grants it). It names the schema it lives in: under its own pinned search path,
-- current_schema() would be pg_catalog.
CREATE OR REPLACE FUNCTION fulfillment_secure_functions()
RETURNS void
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_schema text := (SELECT n.nspname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                      WHERE p.oid = 'fulfillment_secure_functions()'::regprocedure);
    v_fn record;
BEGIN
    FOR v_fn IN
        SELECT p.oid::regprocedure AS signature, p.proname AS name
        FROM pg_proc p
        WHERE p.pronamespace = v_schema::regnamespace
          AND (p.proname LIKE 'fulfillment\_%'
               OR p.proname IN ('place_order', 'deposit', 'request_cancel', 'request_refill', 'block_user', 'request_erasure', 'release_order', 'lift_quarantine', 'decide_price_change'))
    LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog, %I, pg_temp', v_fn.signature, v_schema);
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', v_fn.signature);
        IF v_fn.name NOT LIKE 'fulfillment\_%' THEN
            EXECUTE format('ALTER FUNCTION %s SECURITY DEFINER', v_fn.signature);
        END IF;
    END LOOP;
END;
$fn$;
