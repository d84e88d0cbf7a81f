-- Database roles for the fulfillment engine and the panel: least privilege, idempotent, for psql.
--
--   psql -X -d panel -U postgres \
--        -v db=panel \
--        -v owner_role=fulfillment_owner -v owner_password="$OWNER_PASSWORD" \
--        -v engine_role=fulfillment -v engine_password="$ENGINE_PASSWORD" \
--        [-v panel_role=panel -v panel_password="$PANEL_PASSWORD"] \
--        [-v lock_public=on] [-v adopt=on] [-v quartz_prefix=qrtz_] \
--        -f deploy/engine-role.sql
--
-- Run it as a superuser (on a managed service, its admin role, which then also needs to own :db, or
-- be a member of the role that owns it, and be a member of owner_role), connected to the panel
-- database :db, in this order:
--   1. this file: creates the roles, lets the owner create objects in schema public;
--   2. `fulfillment migrate` as owner_role: the schema, its functions and the scheduler's tables;
--   3. this file again: grants the runtime roles what they need on what now exists.
-- Run 2 and 3 again after every upgrade. Each run revokes and re-grants the runtime roles' privileges
-- in one transaction, so the result is exactly what this file says, whatever was granted before.
--
-- The roles (docs/operations.md, "Database roles", says what each may do and why):
--   owner_role  (default fulfillment_owner) owns every object of the schema; only `migrate` uses it.
--               The panel's write API (place_order, deposit, request_cancel, request_refill,
--               block_user, request_erasure, release_order) runs with its rights (SECURITY DEFINER,
--               search_path pinned), so it must be neither a superuser nor anybody's login role.
--   engine_role (required) `fulfillment run`, `run-once`, `health`: DML on the tables the engine
--               uses, EXECUTE on the fulfillment_* helpers, DML on the scheduler's tables. No DDL.
--   panel_role  (optional) the panel's web front end: reads the contract tables, writes the columns a
--               panel writes (profiles, providers, services, support, activity, notifications.sent_at,
--               the link of a pending order) and EXECUTEs the seven write API functions. It cannot
--               write the ledger, change a balance or an order's status or money, call the engine's
--               helpers, or create objects.
--
-- -v lock_public=on revokes what every role holds through PUBLIC on :db (CONNECT, TEMPORARY): use it
-- once every other role that uses the database has CONNECT of its own. CREATE on schema public is
-- always revoked from PUBLIC, and EXECUTE on the engine's functions is PUBLIC's only if someone
-- grants it.
--
-- The runtime roles must not be able to create objects in schema public. The file refuses, saying
-- why and what to do, when one of them owns :db (managed services often make the application role
-- the database's owner), owns schema public, or holds CREATE on it. -v adopt=on hands :db (or the
-- schema) to owner_role, revokes that CREATE, and hands every object of schema public to owner_role:
-- for a database set up by its provider, or migrated by a superuser or another role before these
-- roles existed. CREATE held through another role's grant is left to you, and still refused.

\set ON_ERROR_STOP on
\set QUIET on

\if :{?db}
\else
    \echo 'engine-role.sql: set -v db=DATABASE (the panel database this session is connected to)'
    SELECT 1/0 AS missing_db_variable;
\endif
\if :{?engine_role}
\else
    \echo 'engine-role.sql: set -v engine_role=ROLE'
    SELECT 1/0 AS missing_engine_role_variable;
\endif
\if :{?engine_password}
\else
    \echo 'engine-role.sql: set -v engine_password=... (e.g. -v engine_password="$ENGINE_PASSWORD")'
    SELECT 1/0 AS missing_engine_password_variable;
\endif
\if :{?owner_role}
\else
    \set owner_role fulfillment_owner
\endif
\if :{?owner_password}
\else
    \set owner_password ''
\endif
\if :{?panel_role}
\else
    \set panel_role ''
\endif
\if :{?panel_password}
\else
    \set panel_password ''
\endif
\if :{?quartz_prefix}
\else
    \set quartz_prefix qrtz_
\endif
\if :{?lock_public}
\else
    \set lock_public off
\endif
\if :{?adopt}
\else
    \set adopt off
\endif

SELECT current_database() = :'db' AS right_database \gset
\if :right_database
\else
    \echo 'engine-role.sql: connected to the wrong database; connect to' :'db' '(psql -d ...)'
    SELECT 1/0 AS wrong_database;
\endif

BEGIN;

-- psql does not substitute variables inside dollar-quoted bodies, so the body reads them from
-- transaction-local settings (gone at COMMIT; the passwords never reach another session).
SELECT set_config('fulfillment_setup.db', :'db', true),
       set_config('fulfillment_setup.owner_role', :'owner_role', true),
       set_config('fulfillment_setup.owner_password', :'owner_password', true),
       set_config('fulfillment_setup.engine_role', :'engine_role', true),
       set_config('fulfillment_setup.engine_password', :'engine_password', true),
       set_config('fulfillment_setup.panel_role', :'panel_role', true),
       set_config('fulfillment_setup.panel_password', :'panel_password', true),
       set_config('fulfillment_setup.quartz_prefix', :'quartz_prefix', true),
       set_config('fulfillment_setup.lock_public', :'lock_public', true),
       set_config('fulfillment_setup.adopt', :'adopt', true)
\g /dev/null

\ir engine-role.body.sql

COMMIT;

\echo 'engine-role.sql: done for database' :db
