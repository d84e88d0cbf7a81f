-- The database boundary. The panel's write API runs with the owner's rights (SECURITY DEFINER), so
-- the panel's own role needs no privilege on the ledger, on balances or on an order's status: money
-- moves only through these functions. Every function the engine defines runs with its search path
-- pinned to pg_catalog and this schema, pg_temp last, so a temporary table (or anything a caller puts
-- on its own search path) can never stand in for users, ledger or orders. EXECUTE is nobody's by
-- default: deploy/engine-role.sql grants the write API to the panel role and the helpers to the engine.

-- Brings every function of this schema in line with the rules above. Every migration that creates or
-- replaces a function calls it last (CREATE OR REPLACE resets SECURITY and SET), and
-- DatabaseBoundaryTests fails if one was left out.
CREATE OR REPLACE FUNCTION fulfillment_secure_functions()
RETURNS void
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_schema text := current_schema();
    v_fn record;
BEGIN
    FOR v_fn IN
        SELECT p.oid::regprocedure AS signature, p.proname AS name
        FROM pg_proc p
        WHERE p.pronamespace = v_schema::regnamespace
          AND (p.proname LIKE 'fulfillment\_%'
               OR p.proname IN ('place_order', 'deposit', 'request_cancel', 'request_refill', 'block_user', 'request_erasure', 'release_order'))
    LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog, %I, pg_temp', v_fn.signature, v_schema);
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', v_fn.signature);
        IF v_fn.name NOT LIKE 'fulfillment\_%' THEN
            EXECUTE format('ALTER FUNCTION %s SECURITY DEFINER', v_fn.signature);
        END IF;
    END LOOP;
END;
$fn$;

-- A DO block, not a SELECT: the idempotent deploy script runs each migration inside PL/pgSQL.
DO $secure$ BEGIN PERFORM fulfillment_secure_functions(); END $secure$;
