-- What each order cost at its provider, and the margin in the panel's own currency.
-- provider_charge is the provider's own figure from its status answers (in provider_currency: the answer's currency, or the
-- provider's balance currency when an answer named none). It converts at 1 from the panel's currency
-- (fulfillment_settings.panel_currency, the engine's Fulfillment:PanelCurrency) or from a provider that never named one, and
-- through currency_rates from any other. A currency with no row there is unknown: no cost and no margin are shown. The margin is
-- what the user paid net of refunds minus that cost; NULL while the provider has not said what it charged.
CREATE OR REPLACE VIEW order_margins AS
SELECT o.id AS order_id,
       o.user_id,
       o.service_id,
       o.provider_id,
       o.status,
       o.charge,
       o.refunded,
       o.charge - o.refunded AS revenue,
       o.provider_charge,
       c.currency AS provider_currency,
       x.rate AS currency_rate,
       round(o.provider_charge * x.rate, 6) AS provider_cost,
       o.charge - o.refunded - round(o.provider_charge * x.rate, 6) AS margin
FROM orders o
LEFT JOIN providers p ON p.id = o.provider_id
CROSS JOIN LATERAL (SELECT coalesce(o.provider_currency, p.currency) AS currency) c
CROSS JOIN LATERAL (
    SELECT CASE WHEN c.currency IS NULL
                  OR upper(c.currency) = upper(coalesce((SELECT s.value FROM fulfillment_settings s WHERE s.name = 'panel_currency'), 'USD'))
                THEN 1::numeric
                ELSE (SELECT cr.rate FROM currency_rates cr WHERE upper(cr.currency) = upper(c.currency)) END AS rate) x;
