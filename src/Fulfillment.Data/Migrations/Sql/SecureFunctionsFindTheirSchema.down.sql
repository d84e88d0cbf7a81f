-- Back to the definition of DatabaseBoundary.up.sql (secured again by its own first, unpinned call).
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

DO $secure$ BEGIN PERFORM fulfillment_secure_functions(); END $secure$;
