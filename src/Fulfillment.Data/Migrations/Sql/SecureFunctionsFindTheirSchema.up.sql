-- fulfillment_secure_functions() found "its" schema with current_schema(). Once it had secured itself, its own
-- search path is pinned (pg_catalog first), so inside it current_schema() is pg_catalog: every later migration's
-- call found no function to secure, and a function created or replaced after DatabaseBoundary kept the default
-- search path, lost SECURITY DEFINER (the write API) and stayed executable by PUBLIC. The engine's schema is the
-- first schema of the effective search path other than pg_catalog: the caller's on the first, unpinned call, the
-- pinned one on every later call.
CREATE OR REPLACE FUNCTION fulfillment_secure_functions()
RETURNS void
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_schema text := (SELECT s.name FROM unnest(current_schemas(false)) WITH ORDINALITY AS s(name, n)
                      WHERE s.name <> 'pg_catalog' ORDER BY s.n LIMIT 1);
    v_fn record;
BEGIN
    IF v_schema IS NULL THEN
        RAISE EXCEPTION 'fulfillment_secure_functions: no schema on the search path (%)', current_setting('search_path');
    END IF;
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
