-- order_events is partitioned by the month of `at` in UTC (migration PartitionOrderEvents): order_events_YYYY_MM, and
-- order_events_default for events no month covers. This adds the partitions of the month of p_now and of the p_ahead months
-- after it, and of every month whose events sit in the default partition, moving them into it; running it again changes
-- nothing. The job MaintainPartitions runs it daily. It returns the partitions it added and the events it found in the
-- default partition (how many, the oldest and newest `at`), which the job warns about.
-- It runs with its owner's rights: the engine's role has no DDL, and this does nothing but the above. A month is created
-- beside the table and then attached, which locks order_events only against other DDL; the check of the default
-- partition locks that one, and the foreign key's orders in SHARE ROW EXCLUSIVE mode (writes to orders wait for the
-- moment it takes). lock_timeout bounds the wait for those locks; a run that times out fails, and the next one tries again.
CREATE OR REPLACE FUNCTION fulfillment_add_event_partitions(p_now timestamptz, p_ahead integer)
RETURNS TABLE (created text[], in_default bigint, oldest_in_default timestamptz, newest_in_default timestamptz)
LANGUAGE plpgsql
SECURITY DEFINER
SET lock_timeout = '5s'
AS $fn$
DECLARE
    -- Named in full: the pinned search path starts with pg_catalog, where an unqualified CREATE TABLE would go.
    v_schema text := (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = 'order_events'::regclass);
    v_month timestamp;
    v_name text;
    v_from text;
    v_to text;
BEGIN
    IF p_now IS NULL OR p_ahead IS NULL OR p_ahead NOT BETWEEN 0 AND 24 THEN
        RAISE EXCEPTION 'invalid_argument: a time and 0 to 24 months ahead are needed, not % and %', p_now, p_ahead;
    END IF;

    created := '{}';
    SELECT count(*), min(d.at), max(d.at) INTO in_default, oldest_in_default, newest_in_default FROM order_events_default d;
    FOR v_month IN
        SELECT date_trunc('month', p_now AT TIME ZONE 'UTC') + make_interval(months => g) FROM generate_series(0, p_ahead) g
        UNION
        SELECT DISTINCT date_trunc('month', d.at AT TIME ZONE 'UTC') FROM order_events_default d
        ORDER BY 1
    LOOP
        v_name := 'order_events_' || to_char(v_month, 'YYYY_MM');
        CONTINUE WHEN EXISTS (SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                              WHERE i.inhparent = 'order_events'::regclass AND c.relname = v_name);
        v_from := to_char(v_month, 'YYYY-MM-DD') || ' 00:00:00+00';
        v_to := to_char(v_month + interval '1 month', 'YYYY-MM-DD') || ' 00:00:00+00';
        EXECUTE format('CREATE TABLE %I.%I (LIKE order_events INCLUDING DEFAULTS)', v_schema, v_name);
        EXECUTE format('WITH moved AS (DELETE FROM order_events_default WHERE at >= %L AND at < %L RETURNING id, order_id, at, kind, detail)
                        INSERT INTO %I.%I (id, order_id, at, kind, detail) SELECT id, order_id, at, kind, detail FROM moved', v_from, v_to, v_schema, v_name);
        EXECUTE format('ALTER TABLE order_events ATTACH PARTITION %I.%I FOR VALUES FROM (%L) TO (%L)', v_schema, v_name, v_from, v_to);
        created := created || v_name;
    END LOOP;
    RETURN NEXT;
END;
$fn$;
