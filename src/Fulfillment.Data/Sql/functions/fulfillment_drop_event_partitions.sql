-- Drops the month partitions of order_events (fulfillment_add_event_partitions) that can hold nothing any more: the month is
-- over (before the month of p_now, and of the database's clock) and the partition has no page on disk. An event goes with its
-- order (the foreign key's ON DELETE CASCADE) and is never deleted otherwise, so such a month is one none of whose events'
-- orders remain, and dropping it loses nothing. "No page" rather than "no row": vacuum gives back the pages of deleted
-- events, so a month emptied by retention is dropped by the first run after its vacuum, and the check under the lock is
-- instant. A drop locks order_events exclusively (inserts and reads wait) for that instant; lock_timeout bounds the wait
-- for it, and a run that times out fails, leaving the partition to the next one. With p_dry_run it only lists them.
-- It runs with its owner's rights: the engine's role has no DDL, and this drops nothing else.
CREATE OR REPLACE FUNCTION fulfillment_drop_event_partitions(p_now timestamptz, p_dry_run boolean)
RETURNS SETOF text
LANGUAGE plpgsql
SECURITY DEFINER
SET lock_timeout = '5s'
AS $fn$
DECLARE
    v_before timestamptz := date_trunc('month', least(p_now, now()) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    v_partition record;
BEGIN
    FOR v_partition IN
        SELECT c.oid, c.relname
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'order_events'::regclass
          AND substring(pg_get_expr(c.relpartbound, c.oid) FROM $re$TO \('([^']+)'\)$re$)::timestamptz <= v_before
          AND pg_relation_size(c.oid) = 0
        ORDER BY c.relname
    LOOP
        IF NOT p_dry_run THEN
            -- The lock a drop takes anyway, taken first, so the size is checked again where no insert can come in between.
            LOCK TABLE order_events IN ACCESS EXCLUSIVE MODE;
            CONTINUE WHEN pg_relation_size(v_partition.oid) <> 0;
            EXECUTE format('DROP TABLE %s', v_partition.oid::regclass);
        END IF;
        RETURN NEXT v_partition.relname;
    END LOOP;
END;
$fn$;
