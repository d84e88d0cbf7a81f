-- Database roles for the fulfillment engine: least privilege, idempotent, for psql.
--
--   psql -X -d panel -U postgres \
--        -v db=panel \
--        -v engine_role=fulfillment -v engine_password="$ENGINE_PASSWORD" \
--        -v owner_role=fulfillment_owner -v owner_password="$OWNER_PASSWORD" \
--        [-v panel_role=panel -v panel_password="$PANEL_PASSWORD"] \
--        [-v lock_public=on] [-v quartz_prefix=qrtz_] \
--        -f deploy/engine-role.sql
--
-- Run it as a superuser (e.g. postgres; on a managed service, its admin role, which then also needs
-- to own :db and be a member of owner_role), connected to the panel database :db, and run it twice: once before the first `fulfillment migrate` (it
-- creates the roles and lets the owner create the schema) and again after every `migrate` and
-- after the Quartz tables exist (it grants on the tables that exist when it runs). Every run
-- revokes and re-grants the runtime roles' table privileges in one transaction, so the result is
-- exactly what this file says, whatever was granted before.
--
-- The roles:
--
--   owner_role  (default fulfillment_owner) owns every schema object: the migrations create and
--               alter tables, functions and triggers, which needs ownership (DDL). Used only by
--               `fulfillment migrate` and the one-off Quartz provisioning (docs/operations.md), never
--               by the running service.
--   engine_role (required) what `fulfillment run` and `run-once` connect as: DML on the tables the
--               engine reads and writes, USAGE on the sequences of the tables it inserts into,
--               EXECUTE on the fulfillment_* helpers, CONNECT on :db. No DDL, no CREATE on any
--               schema, no superuser, CREATEDB, CREATEROLE, REPLICATION or BYPASSRLS.
--   panel_role  (optional, an example) the panel's web front end: the write API functions and what
--               they need, SELECT everywhere, INSERT/UPDATE on users, services and providers.
--
-- The Quartz tables (qrtz_*). The scheduler creates missing tables when it starts
-- (ProvisionSchema). This file does NOT give the engine CREATE on schema public for that: a role
-- that can create objects in public can also create an overload of place_order or deposit that a
-- panel's call resolves to, so CREATE there is as good as owning the panel's money path. Instead the
-- owner provisions the tables once, by starting the engine as owner_role with every job disabled
-- (docs/operations.md, "Database roles"), and this file grants DML on every table named
-- <quartz_prefix>* to engine_role. When they are missing, a NOTICE says so; run the file again.
--
-- SECURITY INVOKER: every function in the schema (place_order, deposit, release_order, the
-- fulfillment_* helpers and the trigger functions) runs with the privileges of its caller. So:
--   * EXECUTE is not a boundary: a role can do with a function only what it could do with its own
--     table privileges, and PostgreSQL grants EXECUTE on new functions to PUBLIC anyway.
--   * The panel role must hold the privileges the functions use: INSERT on orders and ledger,
--     UPDATE of users.balance, ... . With them it can also write those rows directly, bypassing the
--     function's checks: e.g. INSERT a pending order with no charge, or post a self-consistent
--     'adjustment' ledger row with the matching balance change. The triggers (ledger_chain,
--     users_balance_matches_ledger, ledger_immutable, order_locked, the check constraints) keep the
--     books consistent; they do not decide who may move money.
--   * Future hardening (not implemented here, it needs a migration): make the write API functions
--     SECURITY DEFINER, owned by owner_role, with SET search_path = pg_catalog, public, and EXECUTE
--     revoked from PUBLIC; then the panel role needs only EXECUTE on them plus SELECT, and loses
--     INSERT on orders/ledger and UPDATE of users.balance.

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

SELECT current_database() = :'db' AS right_database \gset
\if :right_database
\else
    \echo 'engine-role.sql: connected to the wrong database; connect to' :'db' '(psql -d ...)'
    SELECT 1/0 AS wrong_database;
\endif

BEGIN;

-- psql does not substitute variables inside dollar-quoted bodies, so the DO blocks read them from
-- transaction-local settings (gone at COMMIT; the passwords never reach pg_settings of another session).
SELECT set_config('fulfillment_setup.db', :'db', true),
       set_config('fulfillment_setup.owner_role', :'owner_role', true),
       set_config('fulfillment_setup.owner_password', :'owner_password', true),
       set_config('fulfillment_setup.engine_role', :'engine_role', true),
       set_config('fulfillment_setup.engine_password', :'engine_password', true),
       set_config('fulfillment_setup.panel_role', :'panel_role', true),
       set_config('fulfillment_setup.panel_password', :'panel_password', true),
       set_config('fulfillment_setup.quartz_prefix', :'quartz_prefix', true),
       set_config('fulfillment_setup.lock_public', :'lock_public', true)
\g /dev/null

-- ---------------------------------------------------------------------------------------------
-- 1. Roles: created if missing, attributes and passwords brought in line if present.
-- ---------------------------------------------------------------------------------------------
DO $$
DECLARE
    v_owner  text := current_setting('fulfillment_setup.owner_role');
    v_engine text := current_setting('fulfillment_setup.engine_role');
    v_panel  text := current_setting('fulfillment_setup.panel_role');
    v_role   text;
    v_pass   text;
    v_attrs  constant text := 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS';
BEGIN
    IF v_engine = '' OR v_engine = v_owner OR v_engine = v_panel THEN
        RAISE EXCEPTION 'engine_role must be set and differ from owner_role and panel_role';
    END IF;
    IF v_panel <> '' AND v_panel = v_owner THEN
        RAISE EXCEPTION 'panel_role must differ from owner_role';
    END IF;

    FOREACH v_role IN ARRAY ARRAY[v_owner, v_engine, v_panel] LOOP
        CONTINUE WHEN v_role = '';
        v_pass := CASE v_role
            WHEN v_owner  THEN current_setting('fulfillment_setup.owner_password')
            WHEN v_engine THEN current_setting('fulfillment_setup.engine_password')
            ELSE current_setting('fulfillment_setup.panel_password') END;
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v_role) THEN
            EXECUTE format('CREATE ROLE %I %s', v_role, v_attrs);
            RAISE NOTICE 'created role %', v_role;
            IF v_pass = '' THEN
                RAISE NOTICE 'role % has no password: fine for peer or certificate authentication, otherwise set one (\password %)', v_role, v_role;
            END IF;
        ELSIF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v_role
                      AND (rolsuper OR rolcreatedb OR rolcreaterole OR rolreplication OR rolbypassrls OR NOT rolcanlogin)) THEN
            -- Only when something differs: naming SUPERUSER at all in ALTER ROLE needs a superuser.
            EXECUTE format('ALTER ROLE %I %s', v_role, v_attrs);
            RAISE NOTICE 'reset the attributes of role % to %', v_role, v_attrs;
        END IF;
        IF v_pass <> '' THEN
            EXECUTE format('ALTER ROLE %I PASSWORD %L', v_role, v_pass);
        END IF;
    END LOOP;

    -- A runtime role that is a member of the owner would inherit ownership, i.e. DDL on everything.
    FOREACH v_role IN ARRAY ARRAY[v_engine, v_panel] LOOP
        CONTINUE WHEN v_role = '';
        IF pg_has_role(v_role, v_owner, 'MEMBER') THEN
            RAISE EXCEPTION 'role % is a member of the owner role %; revoke that membership first', v_role, v_owner;
        END IF;
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v_role AND rolsuper) THEN
            RAISE EXCEPTION 'role % is a superuser', v_role;
        END IF;
    END LOOP;
END
$$;

-- ---------------------------------------------------------------------------------------------
-- 2. Database and schema: CONNECT for all three; CREATE on schema public for the owner only.
-- ---------------------------------------------------------------------------------------------
DO $$
DECLARE
    v_db     text := current_setting('fulfillment_setup.db');
    v_owner  text := current_setting('fulfillment_setup.owner_role');
    v_engine text := current_setting('fulfillment_setup.engine_role');
    v_panel  text := current_setting('fulfillment_setup.panel_role');
BEGIN
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM %I', v_db, v_engine);
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I, %I', v_db, v_owner, v_engine);
    EXECUTE format('REVOKE ALL ON SCHEMA public FROM %I', v_engine);
    EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', v_engine);
    EXECUTE format('GRANT USAGE, CREATE ON SCHEMA public TO %I', v_owner);
    IF v_panel <> '' THEN
        EXECUTE format('REVOKE ALL ON DATABASE %I FROM %I', v_db, v_panel);
        EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', v_db, v_panel);
        EXECUTE format('REVOKE ALL ON SCHEMA public FROM %I', v_panel);
        EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', v_panel);
    END IF;

    -- What every role holds through PUBLIC. Revoking it affects every other role of this database
    -- (a panel user that relies on PUBLIC's CONNECT, for one), so it is opt-in: -v lock_public=on.
    IF current_setting('fulfillment_setup.lock_public') IN ('on', 'true', '1', 'yes') THEN
        EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', v_db);
        REVOKE CREATE ON SCHEMA public FROM PUBLIC;
        REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC;
        EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC', v_owner);
        RAISE NOTICE 'revoked PUBLIC''s CONNECT/TEMPORARY on %, CREATE on schema public and EXECUTE on its functions', v_db;
    ELSE
        IF has_database_privilege('public', v_db, 'CONNECT') OR has_database_privilege('public', v_db, 'TEMPORARY') THEN
            RAISE NOTICE 'PUBLIC still has CONNECT/TEMPORARY on % (every role inherits them); -v lock_public=on revokes them once every role that needs the database has CONNECT', v_db;
        END IF;
        IF has_schema_privilege('public', 'public', 'CREATE') THEN
            RAISE WARNING 'PUBLIC can CREATE in schema public (PostgreSQL 14 or older defaults): any role, the engine''s included, can shadow the write API functions; revoke it (-v lock_public=on)';
        END IF;
    END IF;
END
$$;

-- ---------------------------------------------------------------------------------------------
-- 3. The runtime engine role: exactly what the engine's SQL uses (src/Fulfillment.Engine).
-- ---------------------------------------------------------------------------------------------
DO $$
DECLARE
    v_owner  text := current_setting('fulfillment_setup.owner_role');
    v_engine text := current_setting('fulfillment_setup.engine_role');
    v_prefix text := current_setting('fulfillment_setup.quartz_prefix');
    v_grant  record;
    v_table  text;
    v_seq    text;
    v_fn     regprocedure;
    v_count  int := 0;
BEGIN
    IF to_regclass('public.orders') IS NULL THEN
        RAISE NOTICE 'the schema is not there yet: run `fulfillment migrate` as % and run this file again', v_owner;
        RETURN;
    END IF;

    -- Start from nothing, so a second run leaves exactly the grants below.
    EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA public FROM %I', v_engine);
    EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM %I', v_engine);
    EXECUTE format('REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public FROM %I', v_engine);

    -- SELECT ... FOR UPDATE / FOR NO KEY UPDATE needs UPDATE privilege: retention locks the rows of
    -- activity_log, support_tickets and notifications before deleting them, hence UPDATE there.
    -- Foreign-key cascades (support_messages, order_events, order_requests when an order or a ticket
    -- goes) run with the table owner's rights and need nothing here.
    FOR v_grant IN
        SELECT * FROM (VALUES
            ('users',                 'SELECT, UPDATE'),                 -- balances (refund, forfeit), block handling, notices, anonymisation
            ('providers',             'SELECT, UPDATE'),                 -- balance, pause, last error
            ('services',              'SELECT, UPDATE'),                 -- disable vanished services, flags, upstream rate
            ('orders',                'SELECT, UPDATE, DELETE'),         -- the whole lifecycle; DELETE: retention of unreferenced orders
            ('ledger',                'SELECT, INSERT'),                 -- refund and forfeit rows (fulfillment_post_ledger); never UPDATE/DELETE
            ('order_requests',        'SELECT, INSERT, UPDATE'),         -- cancel/refill processing, provider cancels after block_user
            ('order_events',          'SELECT, INSERT'),                 -- the audit trail is append-only
            ('notifications',         'SELECT, INSERT, UPDATE, DELETE'), -- outcomes and notices; retention of sent ones
            ('activity_log',          'SELECT, UPDATE, DELETE'),         -- retention only
            ('support_tickets',       'SELECT, UPDATE, DELETE'),         -- retention only
            ('support_messages',      'SELECT'),                         -- retention reads the last message
            ('erasure_requests',      'SELECT, UPDATE'),                 -- completed_at
            ('engine_instances',      'SELECT, INSERT, UPDATE, DELETE'), -- heartbeat rows and the stale sweep
            ('provider_services',     'SELECT, INSERT, UPDATE, DELETE'), -- each provider's service list
            ('__EFMigrationsHistory', 'SELECT')                          -- `run` refuses to start on a schema behind it
        ) AS g(tab, privs)
    LOOP
        IF to_regclass(format('public.%I', v_grant.tab)) IS NULL THEN
            RAISE WARNING 'table % is missing; is the schema migrated?', v_grant.tab;
            CONTINUE;
        END IF;
        EXECUTE format('GRANT %s ON TABLE public.%I TO %I', v_grant.privs, v_grant.tab, v_engine);
    END LOOP;

    -- Identity sequences of the tables the engine inserts into (engine_instances has a uuid key).
    FOREACH v_table IN ARRAY ARRAY['ledger', 'order_requests', 'order_events', 'notifications', 'provider_services'] LOOP
        v_seq := pg_get_serial_sequence(format('public.%I', v_table), 'id');
        IF v_seq IS NOT NULL THEN
            EXECUTE format('GRANT USAGE ON SEQUENCE %s TO %I', v_seq, v_engine);
        END IF;
    END LOOP;

    -- The internal helpers it calls (fulfillment_finish_order, fulfillment_post_ledger and what they
    -- call). Trigger functions need no EXECUTE to fire. The engine calls none of the write API
    -- functions (place_order, release_order, ...), so it gets no EXECUTE on them from this file.
    FOR v_fn IN
        SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND p.proname LIKE 'fulfillment\_%' AND p.prokind = 'f'
    LOOP
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', v_fn, v_engine);
    END LOOP;

    -- Quartz's tables, provisioned by the owner (see the header).
    FOR v_table IN
        SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
          AND left(c.relname, length(v_prefix)) = v_prefix
    LOOP
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE public.%I TO %I', v_table, v_engine);
        v_count := v_count + 1;
    END LOOP;
    IF v_count = 0 THEN
        RAISE NOTICE 'no %* tables yet: provision them as % (docs/operations.md) and run this file again; until then `fulfillment run` as % fails at start', v_prefix, v_owner, v_engine;
    ELSE
        RAISE NOTICE 'granted DML on % Quartz table(s) %* to %', v_count, v_prefix, v_engine;
    END IF;

    -- Objects the owner does not own cannot be altered by a later `migrate` run as the owner.
    SELECT count(*) INTO v_count FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'S', 'i') AND pg_get_userbyid(c.relowner) <> v_owner;
    IF v_count > 0 THEN
        RAISE WARNING '% relation(s) in schema public are not owned by %; `migrate` as % will fail on them (ALTER TABLE ... OWNER TO %)',
            v_count, v_owner, v_owner, v_owner;
    END IF;
END
$$;

-- ---------------------------------------------------------------------------------------------
-- 4. An example panel role (only with -v panel_role=...). Adjust to what your panel does.
-- ---------------------------------------------------------------------------------------------
DO $$
DECLARE
    v_panel  text := current_setting('fulfillment_setup.panel_role');
    v_grant  record;
    v_table  text;
    v_seq    text;
    v_fn     regprocedure;
BEGIN
    IF v_panel = '' OR to_regclass('public.orders') IS NULL THEN
        RETURN;
    END IF;

    EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA public FROM %I', v_panel);
    EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM %I', v_panel);
    EXECUTE format('REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public FROM %I', v_panel);

    -- Read everything the contract names (the admin pages show orders, ledger, engine health, ...).
    FOREACH v_table IN ARRAY ARRAY['users', 'providers', 'services', 'orders', 'ledger', 'order_requests',
        'order_events', 'notifications', 'activity_log', 'support_tickets', 'support_messages',
        'erasure_requests', 'engine_instances', 'provider_services'] LOOP
        EXECUTE format('GRANT SELECT ON TABLE public.%I TO %I', v_table, v_panel);
    END LOOP;

    FOR v_grant IN
        SELECT * FROM (VALUES
            -- Accounts: no INSERT of balance (a new user starts at 0; money comes in by deposit()).
            -- UPDATE of balance and of the block columns is there only because deposit, place_order and
            -- block_user are SECURITY INVOKER and write them as the caller (see the header).
            ('users',            'INSERT (username, email, status, created_at, last_active_at, deleted_at), '
                              || 'UPDATE (username, email, status, last_active_at, deleted_at, '
                              || 'balance, blocked_reason, blocked_at, block_handled_at)'),
            ('providers',        'INSERT, UPDATE'),
            ('services',         'INSERT, UPDATE'),
            -- Orders: the columns place_order inserts, and those release_order (with
            -- fulfillment_finish_order and the release-held trigger) updates.
            ('orders',           'INSERT (user_id, service_id, link, quantity, charge, params, status), '
                              || 'UPDATE (status, error, provider_order_id, next_attempt_at, updated_at, '
                              || 'refunded, remains, finished_at, held_by)'),
            ('ledger',           'INSERT'),               -- charge/deposit/refund rows written by the functions
            ('order_requests',   'INSERT'),               -- request_cancel, request_refill
            ('order_events',     'INSERT'),               -- every function writes one
            ('notifications',    'INSERT, UPDATE (sent_at)'),
            ('activity_log',     'INSERT'),
            ('support_tickets',  'INSERT, UPDATE'),
            ('support_messages', 'INSERT'),
            ('erasure_requests', 'INSERT')                -- request_erasure
        ) AS g(tab, privs)
    LOOP
        EXECUTE format('GRANT %s ON TABLE public.%I TO %I', v_grant.privs, v_grant.tab, v_panel);
    END LOOP;

    FOREACH v_table IN ARRAY ARRAY['users', 'providers', 'services', 'orders', 'ledger', 'order_requests',
        'order_events', 'notifications', 'activity_log', 'support_tickets', 'support_messages', 'erasure_requests'] LOOP
        v_seq := pg_get_serial_sequence(format('public.%I', v_table), 'id');
        IF v_seq IS NOT NULL THEN
            EXECUTE format('GRANT USAGE ON SEQUENCE %s TO %I', v_seq, v_panel);
        END IF;
    END LOOP;

    -- The write API, and the helpers it calls as the invoker.
    FOR v_fn IN
        SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND p.prokind = 'f'
          AND (p.proname IN ('place_order', 'deposit', 'request_cancel', 'request_refill', 'block_user',
                             'request_erasure', 'release_order')
               OR p.proname LIKE 'fulfillment\_%')
    LOOP
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', v_fn, v_panel);
    END LOOP;
END
$$;

COMMIT;

\echo 'engine-role.sql: done for database' :db
