-- A person decides a held price change: approve applies its new sale rate to the service (orders already placed keep what they paid),
-- reject leaves the rate as it is. Either way the change is decided, and the service's price_change_held alert clears once none of its
-- changes is held.
CREATE OR REPLACE FUNCTION decide_price_change(p_change_id bigint, p_approve boolean)
RETURNS void
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_change price_changes%ROWTYPE;
BEGIN
    IF p_approve IS NULL THEN
        RAISE EXCEPTION 'invalid_argument: approve must be true or false';
    END IF;
    SELECT * INTO v_change FROM price_changes WHERE id = p_change_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'not_found: price change % does not exist', p_change_id;
    END IF;
    IF v_change.status <> 'held' THEN
        RAISE EXCEPTION 'not_held: price change % is %, not held', p_change_id, v_change.status;
    END IF;

    IF p_approve THEN
        UPDATE services SET rate = v_change.new_rate, markup_applied = markup_percent WHERE id = v_change.service_id;
    END IF;
    UPDATE price_changes SET status = CASE WHEN p_approve THEN 'approved' ELSE 'rejected' END, decided_at = now() WHERE id = p_change_id;
    IF NOT EXISTS (SELECT 1 FROM price_changes WHERE service_id = v_change.service_id AND status = 'held') THEN
        UPDATE operator_alerts SET cleared_at = now()
        WHERE kind = 'price_change_held' AND subject_type = 'service' AND subject_id = v_change.service_id::text AND cleared_at IS NULL;
    END IF;
END;
$fn$;
