-- Back to functions that run with their caller's rights and search path, executable by PUBLIC.
DO $$
DECLARE
    v_fn record;
BEGIN
    FOR v_fn IN
        SELECT p.oid::regprocedure AS signature, p.proname AS name
        FROM pg_proc p
        WHERE p.pronamespace = current_schema()::regnamespace
          AND (p.proname LIKE 'fulfillment\_%'
               OR p.proname IN ('place_order', 'deposit', 'request_cancel', 'request_refill', 'block_user', 'request_erasure', 'release_order'))
    LOOP
        EXECUTE format('ALTER FUNCTION %s RESET search_path', v_fn.signature);
        EXECUTE format('ALTER FUNCTION %s SECURITY INVOKER', v_fn.signature);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO PUBLIC', v_fn.signature);
    END LOOP;
END
$$;
DROP FUNCTION IF EXISTS fulfillment_secure_functions();
