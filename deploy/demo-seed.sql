-- Demo data for deploy/compose.yaml: one provider (the simulator), two services mapped to the
-- simulator's default catalogue, and one user with a 100.00 deposit. Idempotent; apply after
-- `migrate` has run (the compose file's `seed` service does this):
--
--   psql -X -v ON_ERROR_STOP=1 -d panel -f deploy/demo-seed.sql \
--        [-v sim_url=http://simulator:5055/api/v2] [-v sim_key=secret]
--
-- Then place an order as the panel would, and watch it move (pending → in_progress → completed):
--
--   SELECT place_order((SELECT id FROM users WHERE username = 'demo'),
--                      (SELECT id FROM services WHERE name = 'Demo Instagram Followers'),
--                      'https://instagram.com/demo_account', 500);
--   SELECT id, status, provider_order_id, remains, refunded, error FROM orders ORDER BY id DESC LIMIT 5;
--
-- Not for production: it writes a provider key in clear and a user named demo.

\set ON_ERROR_STOP on
\if :{?sim_url}
\else
    \set sim_url http://simulator:5055/api/v2
\endif
\if :{?sim_key}
\else
    \set sim_key secret
\endif

BEGIN;

INSERT INTO providers (name, kind, api_url, api_key, enabled)
VALUES ('simulator', 'smm_v2', :'sim_url', :'sim_key', true)
ON CONFLICT (name) DO UPDATE SET api_url = EXCLUDED.api_url, api_key = EXCLUDED.api_key, enabled = true;

-- provider_service_id is the simulator's service number (SimulatedService.DefaultCatalogue).
INSERT INTO services (name, type, provider_id, provider_service_id, rate, min, max, refill, cancel, dripfeed)
SELECT s.name, s.type, p.id, s.upstream, s.rate, s.min, s.max, s.refill, s.cancel, s.dripfeed
FROM providers p,
     (VALUES ('Demo Instagram Followers', 'Default', '1', 1.200000, 50, 10000, true, true, true),
             ('Demo YouTube Views',       'Default', '3', 0.020000, 100, 1000000, true, false, false))
         AS s(name, type, upstream, rate, min, max, refill, cancel, dripfeed)
WHERE p.name = 'simulator'
  AND NOT EXISTS (SELECT 1 FROM services x WHERE x.name = s.name);

INSERT INTO users (username, email) VALUES ('demo', 'demo@example.invalid')
ON CONFLICT (username) DO NOTHING;

-- The same reference twice changes nothing, so this stays one deposit however often it runs.
SELECT deposit((SELECT id FROM users WHERE username = 'demo'), 100.00, 'demo-seed-1') AS ledger_id;

COMMIT;
