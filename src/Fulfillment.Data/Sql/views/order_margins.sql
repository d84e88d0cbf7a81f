-- What each order cost at its provider, and the margin in the panel's own currency.
-- provider_charge is the provider's own figure from its status answers (in provider_currency, or the
-- provider's balance currency when an answer named none); currency_rates converts it, one row per
-- provider currency (a currency without a row counts as the panel's own). The margin is what the user
-- paid net of refunds minus that cost; NULL while the provider has not said what it charged.
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
       coalesce(o.provider_currency, p.currency) AS provider_currency,
       coalesce(cr.rate, 1) AS currency_rate,
       round(o.provider_charge * coalesce(cr.rate, 1), 6) AS provider_cost,
       o.charge - o.refunded - round(o.provider_charge * coalesce(cr.rate, 1), 6) AS margin
FROM orders o
LEFT JOIN providers p ON p.id = o.provider_id
LEFT JOIN currency_rates cr ON upper(cr.currency) = upper(coalesce(o.provider_currency, p.currency));
