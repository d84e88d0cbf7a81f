-- Ends a route's quarantine early: a person checked the provider. The route is used again at once for orders not yet sent, and its
-- route_quarantined alert clears; its level stays, so a route that fails again soon gets the next, longer cooldown.
CREATE OR REPLACE FUNCTION lift_quarantine(p_provider_id bigint, p_service text)
RETURNS void
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_until timestamptz;
BEGIN
    SELECT quarantined_until INTO v_until FROM route_quarantines WHERE provider_id = p_provider_id AND service = p_service FOR UPDATE;
    IF NOT FOUND THEN
        IF EXISTS (SELECT 1 FROM services WHERE provider_id = p_provider_id AND provider_service_id = p_service)
           OR EXISTS (SELECT 1 FROM service_routes WHERE provider_id = p_provider_id AND provider_service_id = p_service) THEN
            RAISE EXCEPTION 'not_quarantined: provider %''s service % is not in quarantine', p_provider_id, p_service;
        END IF;
        RAISE EXCEPTION 'not_found: no route of provider % for service % is known', p_provider_id, coalesce(p_service, 'NULL');
    END IF;
    IF v_until <= now() THEN
        RAISE EXCEPTION 'not_quarantined: provider %''s service % is not in quarantine (it ended %)', p_provider_id, p_service, v_until;
    END IF;

    UPDATE route_quarantines
    SET quarantined_until = now(), reason = reason || format(' (lifted by %s at %s)', session_user, now()), updated_at = now()
    WHERE provider_id = p_provider_id AND service = p_service;
    UPDATE operator_alerts SET cleared_at = now()
    WHERE kind = 'route_quarantined' AND subject_type = 'route' AND subject_id = p_provider_id || ':' || p_service AND cleared_at IS NULL;
    PERFORM pg_notify('fulfillment_orders', '');
END;
$fn$;
