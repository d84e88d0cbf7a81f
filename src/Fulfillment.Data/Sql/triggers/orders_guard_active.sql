-- The charge was computed from the user, service, quantity and params at placement: none of them may
-- change while the order is open (ToS 2.4/2.5 and the money), the user, service, quantity and money
-- columns (charge, charged_units, charged_posts) never. The link may be corrected while the order waits in
-- pending. A finished order keeps its status: a careless update cannot put a refunded order back in the queue.
CREATE OR REPLACE FUNCTION fulfillment_guard_active_order()
RETURNS trigger
LANGUAGE plpgsql
AS $fn$
BEGIN
    IF OLD.status IN ('completed', 'partial', 'canceled', 'failed') AND NEW.status IS DISTINCT FROM OLD.status THEN
        RAISE EXCEPTION 'order_terminal: order % is %; a finished order never changes status', OLD.id, OLD.status;
    END IF;
    IF NEW.user_id IS DISTINCT FROM OLD.user_id OR NEW.service_id IS DISTINCT FROM OLD.service_id
       OR NEW.quantity IS DISTINCT FROM OLD.quantity OR NEW.charge IS DISTINCT FROM OLD.charge
       OR NEW.charged_units IS DISTINCT FROM OLD.charged_units OR NEW.charged_posts IS DISTINCT FROM OLD.charged_posts
       OR (NEW.params IS DISTINCT FROM OLD.params AND OLD.status NOT IN ('completed', 'partial', 'canceled', 'failed')) THEN
        RAISE EXCEPTION 'order_locked: the user, service, quantity, params and charge of order % cannot change after it was charged; cancel it and place a new one', OLD.id;
    END IF;
    IF OLD.status IN ('held', 'dispatching', 'in_progress', 'review') AND NEW.link IS DISTINCT FROM OLD.link THEN
        RAISE EXCEPTION 'order_locked: the link of order % cannot change while it is %', OLD.id, OLD.status;
    END IF;
    IF NEW.link IS DISTINCT FROM OLD.link THEN
        NEW.link_key := NULL;
    END IF;
    RETURN NEW;
END;
$fn$;

DROP TRIGGER IF EXISTS orders_guard_active ON orders;

CREATE TRIGGER orders_guard_active
    BEFORE UPDATE OF status, link, quantity, params, user_id, service_id, charge, charged_units, charged_posts ON orders
    FOR EACH ROW EXECUTE FUNCTION fulfillment_guard_active_order();
