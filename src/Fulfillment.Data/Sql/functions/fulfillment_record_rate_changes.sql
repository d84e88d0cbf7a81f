-- Before a provider's new service list is stored: every route of a panel service to this provider (the service's own, or a
-- service_routes row) whose listed rate changes is one price_changes row, observed for now (fulfillment_reprice decides what it does
-- to the sale rate). A first listing is not a change. A held change of the same service that a newer change overtakes is superseded:
-- never applied late. Returns the rows written.
CREATE OR REPLACE FUNCTION fulfillment_record_rate_changes(p_provider_id bigint, p_services text[], p_rates numeric[], p_at timestamptz)
RETURNS integer
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_count integer;
BEGIN
    WITH incoming AS (SELECT * FROM unnest(p_services, p_rates) AS i(service, rate)),
    routes AS (
        SELECT s.id AS service_id, s.provider_service_id AS upstream FROM services s WHERE s.provider_id = p_provider_id
        UNION
        SELECT r.service_id, r.provider_service_id FROM service_routes r WHERE r.provider_id = p_provider_id),
    changed AS (
        SELECT r.service_id, r.upstream, ps.rate AS old_rate, i.rate AS new_rate
        FROM routes r
        JOIN provider_services ps ON ps.provider_id = p_provider_id AND ps.service = r.upstream
        JOIN incoming i ON i.service = r.upstream
        WHERE ps.rate IS NOT NULL AND i.rate IS NOT NULL AND ps.rate <> i.rate),
    superseded AS (
        UPDATE price_changes c SET status = 'superseded', decided_at = p_at
        WHERE c.status = 'held' AND c.service_id IN (SELECT service_id FROM changed))
    INSERT INTO price_changes (service_id, provider_id, provider_service_id, old_upstream_rate, new_upstream_rate, old_rate, new_rate, status, seen_at)
    SELECT c.service_id, p_provider_id, c.upstream, c.old_rate, c.new_rate, s.rate, s.rate, 'observed', p_at
    FROM changed c JOIN services s ON s.id = c.service_id;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END;
$fn$;
