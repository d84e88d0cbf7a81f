-- After a provider's service list is stored: every service with a markup that routes to it is priced again, at its cheapest route's
-- upstream rate times (1 + markup / 100), rounded up to p_step. "Cheapest route" is among the routes that are enabled, whose provider
-- is enabled and lists the service with a rate, converted to the panel's currency (p_panel_currency converts at 1, as does a provider
-- that never named a currency; any other through currency_rates; a currency with no row is never used). The price guard and quarantine
-- are ignored, so a price rises with its cost. A new markup (markup_percent differs from the one last applied) applies without a hold;
-- a new markup that leaves the rate where it is is adopted all the same, so the next move is judged;
-- otherwise a move of more than p_hold_above percent is held for a person (decide_price_change), and an older held change of the service
-- is superseded. What it did is written on this sync's price_changes row of the service (or a row of its own). Returns what it did.
CREATE OR REPLACE FUNCTION fulfillment_reprice(p_provider_id bigint, p_panel_currency text, p_step numeric, p_hold_above numeric, p_at timestamptz)
RETURNS TABLE (service_id bigint, status text, old_rate numeric, new_rate numeric)
LANGUAGE plpgsql
AS $fn$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH touched AS (
        SELECT s.id FROM services s
        WHERE s.markup_percent IS NOT NULL
          AND (s.provider_id = p_provider_id OR EXISTS (SELECT 1 FROM service_routes r WHERE r.service_id = s.id AND r.provider_id = p_provider_id))),
    candidates AS (
        SELECT t.id AS service_id, x.provider_id, x.upstream, ps.rate AS listed,
               ps.rate * CASE WHEN p.currency IS NULL OR upper(p.currency) = upper(p_panel_currency) THEN 1 ELSE cr.rate END AS converted
        FROM touched t
        JOIN services s ON s.id = t.id
        CROSS JOIN LATERAL (
            SELECT s.provider_id, s.provider_service_id AS upstream, true AS enabled
            UNION ALL
            SELECT r.provider_id, r.provider_service_id, r.enabled FROM service_routes r WHERE r.service_id = t.id) x
        JOIN providers p ON p.id = x.provider_id AND p.enabled
        JOIN provider_services ps ON ps.provider_id = x.provider_id AND ps.service = x.upstream AND ps.rate IS NOT NULL
        LEFT JOIN currency_rates cr ON upper(cr.currency) = upper(p.currency)
        WHERE x.enabled),
    cheapest AS (
        SELECT DISTINCT ON (c.service_id) c.service_id, c.provider_id, c.upstream, c.listed, c.converted
        FROM candidates c WHERE c.converted IS NOT NULL
        ORDER BY c.service_id, c.converted, c.provider_id),
    priced AS (
        SELECT s.id, s.rate AS old_rate, ch.provider_id, ch.upstream, ch.listed,
               ceil(ch.converted * (1 + s.markup_percent / 100) / p_step) * p_step AS target,
               s.markup_percent IS DISTINCT FROM s.markup_applied OR s.rate IS NULL AS chosen
        FROM cheapest ch JOIN services s ON s.id = ch.service_id),
    adopted AS (
        UPDATE services s SET markup_applied = s.markup_percent
        FROM priced p WHERE s.id = p.id AND p.chosen AND p.target IS NOT DISTINCT FROM p.old_rate
        RETURNING s.id),
    judged AS (
        SELECT p.*, CASE WHEN p.chosen OR abs(p.target - p.old_rate) * 100 <= p_hold_above * p.old_rate THEN 'applied' ELSE 'held' END AS verdict
        FROM priced p
        WHERE p.target IS DISTINCT FROM p.old_rate
          AND NOT EXISTS (SELECT 1 FROM price_changes h WHERE h.service_id = p.id AND h.status = 'held' AND h.new_rate = p.target)),
    superseded AS (
        UPDATE price_changes h SET status = 'superseded', decided_at = p_at
        FROM judged j WHERE h.service_id = j.id AND h.status = 'held'),
    noted AS (
        UPDATE price_changes c SET old_rate = j.old_rate, new_rate = j.target, status = j.verdict, decided_at = CASE WHEN j.verdict = 'applied' THEN p_at END
        FROM judged j
        WHERE c.id = (SELECT max(x.id) FROM price_changes x WHERE x.service_id = j.id AND x.seen_at = p_at AND x.status = 'observed')
        RETURNING c.service_id),
    added AS (
        INSERT INTO price_changes (service_id, provider_id, provider_service_id, old_upstream_rate, new_upstream_rate, old_rate, new_rate, status, seen_at,
                                   decided_at)
        SELECT j.id, j.provider_id, j.upstream, j.listed, j.listed, j.old_rate, j.target, j.verdict, p_at, CASE WHEN j.verdict = 'applied' THEN p_at END
        FROM judged j
        WHERE NOT EXISTS (SELECT 1 FROM price_changes x WHERE x.service_id = j.id AND x.seen_at = p_at AND x.status = 'observed')),
    applied AS (
        UPDATE services s SET rate = j.target, markup_applied = s.markup_percent
        FROM judged j WHERE s.id = j.id AND j.verdict = 'applied'
        RETURNING s.id)
    SELECT j.id, j.verdict, j.old_rate, j.target FROM judged j;
END;
$fn$;
