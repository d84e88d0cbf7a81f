-- Same-link conflicts (mix-smm.ru ToS 2.3, 2.4, 2.5).

-- ToS 2.4/2.5: the link, quantity and params of an order cannot change while it is held, being
-- sent or running. A changed link of a pending order invalidates its normalised key.
CREATE OR REPLACE FUNCTION fulfillment_guard_active_order()
RETURNS trigger
LANGUAGE plpgsql
AS $fn$
BEGIN
    IF OLD.status IN ('held', 'dispatching', 'in_progress')
       AND (NEW.link IS DISTINCT FROM OLD.link OR NEW.quantity IS DISTINCT FROM OLD.quantity OR NEW.params IS DISTINCT FROM OLD.params) THEN
        RAISE EXCEPTION 'order_locked: the link, quantity and params of order % cannot change while it is %', OLD.id, OLD.status;
    END IF;
    IF NEW.link IS DISTINCT FROM OLD.link THEN
        NEW.link_key := NULL;
    END IF;
    RETURN NEW;
END;
$fn$;

DROP TRIGGER IF EXISTS orders_guard_active ON orders;
CREATE TRIGGER orders_guard_active BEFORE UPDATE OF link, quantity, params ON orders
    FOR EACH ROW EXECUTE FUNCTION fulfillment_guard_active_order();

-- When an order reaches a terminal state, the earliest order held behind it is released at once
-- (placement order), the others now wait behind that one, and the engine is woken.
CREATE OR REPLACE FUNCTION fulfillment_release_held()
RETURNS trigger
LANGUAGE plpgsql
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
