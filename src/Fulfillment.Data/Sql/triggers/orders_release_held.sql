-- When an order reaches a terminal state, the earliest order held behind it is released at once
-- (placement order), the others now wait behind that one, and the engine is woken.
-- Sorts off: statistics taken while few orders were open can rate a whole scan of ix_orders_active_link (then sorted
-- by id) cheaper than ix_orders_held_queue, which returns the held queue in order; that scan reads every open order
-- once per finished order.
CREATE OR REPLACE FUNCTION fulfillment_release_held()
RETURNS trigger
LANGUAGE plpgsql
SET enable_sort = off
AS $fn$
DECLARE
    v_next bigint;
BEGIN
    SELECT id INTO v_next FROM orders WHERE held_by = NEW.id AND status = 'held' ORDER BY id LIMIT 1 FOR UPDATE;
    IF v_next IS NULL THEN
        RETURN NULL;
    END IF;
    UPDATE orders SET status = 'pending', held_by = NULL, next_attempt_at = NULL, error = NULL, updated_at = NEW.updated_at
    WHERE id = v_next;
    UPDATE orders SET held_by = v_next WHERE held_by = NEW.id AND status = 'held';
    INSERT INTO order_events (order_id, at, kind, detail)
    VALUES (v_next, coalesce(NEW.updated_at, now()), 'released', jsonb_build_object('after', NEW.id, 'status', NEW.status));
    PERFORM pg_notify('fulfillment_orders', v_next::text);
    RETURN NULL;
END;
$fn$;

DROP TRIGGER IF EXISTS orders_release_held ON orders;

CREATE TRIGGER orders_release_held AFTER UPDATE OF status ON orders
    FOR EACH ROW
    WHEN (NEW.status IN ('completed', 'partial', 'canceled', 'failed') AND OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION fulfillment_release_held();
