-- Notifications are for the parent only: a run's outcome reaches the user through its parent, so whatever
-- writes a notification for a run (the finish of a run, written by fulfillment_finish_orders like any
-- order's) writes nothing.
CREATE OR REPLACE FUNCTION fulfillment_notify_parent_only()
RETURNS trigger
LANGUAGE plpgsql
AS $fn$
BEGIN
    IF EXISTS (SELECT 1 FROM orders o WHERE o.id = NEW.order_id AND o.parent_id IS NOT NULL) THEN
        RETURN NULL;
    END IF;
    RETURN NEW;
END;
$fn$;

DROP TRIGGER IF EXISTS notifications_parent_only ON notifications;

CREATE TRIGGER notifications_parent_only BEFORE INSERT ON notifications
    FOR EACH ROW WHEN (NEW.order_id IS NOT NULL)
    EXECUTE FUNCTION fulfillment_notify_parent_only();
